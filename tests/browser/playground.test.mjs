// The playground (web/, docs/playground.md) in headless Chromium, served cross-origin isolated
// by its own server (web/server.mjs) so that weir-runtime's threads backend runs: the page loads
// from 127.0.0.1 alone and is ready to type in quickly, every example runs to its expected
// output, the live view draws polls in every worker's lane and keeps its frame rate while
// 10,000 events a second arrive, and Download trace gives Chrome trace-event JSON that passes
// the rules tests/core/test_trace_export.cpp checks weir's export against. A screenshot of the page
// after the parallel-map example is saved under build/playground/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO } from './support/server.mjs';
import { launch, withPageLog } from './support/chromium.mjs';
import {
  BUILD_DIR,
  OWN_EXAMPLES,
  SEEDS,
  containsInOrder,
  openPlayground,
  runAndWait,
  runExample,
  servePlayground,
  setCode,
  stats,
} from './playground_page.mjs';

let browser;
let server;

before(async () => {
  server = await servePlayground({ isolated: true });
  browser = await launch();
  mkdirSync(BUILD_DIR, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const LOOPBACK = /^(https?|wss?):\/\/127\.0\.0\.1(:\d+)?\//;

test('the page loads from 127.0.0.1 alone and is ready to type in under 3 s', { timeout: 90_000 }, async (t) => {
  await withPageLog(browser, async (page) => {
    const requests = [];
    page.context().on('request', (r) => requests.push(r.url()));
    const load = await openPlayground(page, server);
    t.diagnostic(`ready to type ${Math.round(load.readyMs)} ms after navigation started (${load.wallMs} ms from goto)`);
    assert.ok(load.readyMs < 3000, `ready after ${load.readyMs} ms`);
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), true);

    // Typing goes into the editor.
    await setCode(page, '');
    await page.click('.monaco-editor .view-lines');
    await page.keyboard.type('const x = 1;');
    assert.equal(await page.evaluate(() => window.weirPlayground.getCode()), 'const x = 1;');

    // Everything a session loads: the TypeScript worker (its first diagnostics), a run (the
    // runner, weir-runtime's threads build and its pool workers).
    await setCode(page, 'let a = 1;\nfoo(;\n');
    await page.waitForFunction(() => window.weirPlayground.markers().some((m) => m.owner === 'javascript'), null, {
      timeout: 45_000,
      polling: 100,
    });
    await runExample(page, 'seed-streams');
    const outside = requests.filter((u) => !LOOPBACK.test(u) && !u.startsWith('data:') && !u.startsWith('blob:'));
    t.diagnostic(`${requests.length} requests, ${new Set(requests).size} distinct`);
    assert.deepEqual(outside, [], `requests that left 127.0.0.1: ${outside.join(', ')}`);
    for (const f of ['app/main.js', 'app/runner.js', 'app/ts.worker.js', 'dist/weir-threads.mjs', 'dist/weir-threads.wasm']) {
      assert.ok(requests.some((u) => u.endsWith(f)), `${f} was not requested (recorded: ${[...new Set(requests)].join(', ')})`);
    }
  });
});

test('every example runs to its expected output on the threads backend', { timeout: 180_000 }, async (t) => {
  await withPageLog(browser, async (page) => {
    await openPlayground(page, server);
    await page.selectOption('#workers', '2');
    for (const [id, file] of SEEDS) {
      const expected = readFileSync(path.join(REPO, 'examples/seed/expected', file), 'utf8');
      const { output, ms } = await runExample(page, id);
      t.diagnostic(`${id}: ${ms} ms`);
      assert.match(output, /^▶ threads backend, 2 workers/m, output);
      assert.equal(containsInOrder(output, expected), null, `${id}:\n${output}`);
      assert.match(output, /✓ done/, output);
    }
    for (const [id, expected] of OWN_EXAMPLES) {
      const { output, ms } = await runExample(page, id);
      t.diagnostic(`${id}: ${ms} ms`);
      assert.equal(containsInOrder(output, expected), null, `${id}:\n${output}`);
      assert.match(output, /✓ done/, output);
    }
  });
});

test('the parallel map with 2 workers draws polls in both worker lanes (screenshot saved)', { timeout: 90_000 }, async (t) => {
  await withPageLog(browser, async (page) => {
    await page.setViewportSize({ width: 1440, height: 860 });
    await openPlayground(page, server);
    await page.selectOption('#workers', '2');
    const { output } = await runExample(page, 'parallel-map');
    assert.match(output, /primes below 1,200,000: 92938/);
    // The view draws from animation frames: let one pass after the run's end.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const s = await stats(page);
    t.diagnostic(JSON.stringify({ lanes: s.lanes, steals: s.steals, frames: s.frames, pipeline: s.pipeline }));
    assert.deepEqual(s.lanes.map((l) => l.name), ['host', 'worker 0', 'worker 1']);
    for (const lane of s.lanes.slice(1)) {
      assert.ok(lane.polls > 0 && lane.drawn > 0, `${lane.name}: ${lane.polls} polls, ${lane.drawn} drawn`);
    }
    assert.ok(s.frames > 0);
    const stage = s.pipeline.find((p) => p.name === 'primes');
    assert.ok(stage, JSON.stringify(s.pipeline));
    assert.equal(stage.in, 600);
    assert.equal(stage.out, 600);
    assert.equal(stage.window, 16);
    assert.ok(stage.maxInFlight > 1 && stage.maxInFlight <= 16, JSON.stringify(stage));

    // Hovering a poll names its task, stage and duration.
    // The longest poll on worker 0's lane, so that it is wide enough to point at.
    const box = await page.locator('#view').boundingBox();
    const at = await page.evaluate(() => {
      const n = window.weirView.stats().lanes[1].polls;
      let best = 0;
      for (let i = 0; i < n; i++) if (window.weirView.pollInfo(1, i).durationMs > window.weirView.pollInfo(1, best).durationMs) best = i;
      return window.weirView.pollPoint(1, best);
    });
    await page.mouse.move(box.x + at.x, box.y + at.y);
    await page.waitForSelector('#tooltip:not([hidden])', { timeout: 5000 });
    const tip = await page.textContent('#tooltip');
    t.diagnostic(`hover: ${tip.replace(/\n/g, ' | ')}`);
    assert.match(tip, /primes/);
    assert.match(tip, /task \d+ on worker 0/);
    assert.match(tip, /\d+(\.\d+)? (ms|µs)/);
    await page.mouse.move(0, 0);

    const shot = path.join(BUILD_DIR, 'playground.png');
    await page.screenshot({ path: shot });
    t.diagnostic(`screenshot: ${path.relative(REPO, shot)}`);
  });
});

// About 2,000 items a second paced by the source, each its own job (a buffered(4) window over
// 2 workers): some ten events per item (spawn, wake, poll_begin, poll_end, finish, stage_in,
// stage_out, stage_in_flight, ...), so more than 10,000 events a second for about 4 s.
const LOAD = `async function* paced(n, per) {
  for (let i = 0; i < n; ) {
    await new Promise((resolve) => setTimeout(resolve, 4));
    for (let k = 0; k < per && i < n; k++) yield i++;
  }
}
const n = await rt.iter(paced(8000, 12)).stage('tiny', (s) => s.map((x) => x * 2).buffered(4)).count();
console.log(\`\${n} items\`);`;

test('the view keeps 30 frames a second while 10,000 events a second arrive', { timeout: 120_000 }, async (t) => {
  await withPageLog(browser, async (page) => {
    await openPlayground(page, server);
    await page.selectOption('#workers', '2');
    await setCode(page, LOAD);
    const { output } = await runAndWait(page);
    assert.match(output, /8000 items/, output);
    const { run } = await stats(page);
    t.diagnostic(
      `${Math.round(run.eventsPerSecond)} events/s arrived over ${Math.round(run.feedMs)} ms (${run.events} events in ` +
        `${run.batches} batches); ${run.fpsWhileFed.toFixed(1)} frames/s meanwhile, ${run.fps.toFixed(1)} over the run; ` +
        `${run.drawMsPerFrame.toFixed(2)} ms of drawing per frame; worst gap between frames ${Math.round(run.worstFrameGapMs)} ms`,
    );
    assert.ok(run.eventsPerSecond >= 10_000, `only ${run.eventsPerSecond} events/s`);
    assert.ok(run.fpsWhileFed >= 30, `${run.fpsWhileFed} frames/s`);
  });
});

/**
 * The rules tests/core/test_trace_export.cpp
 * (trace_chrome_json_follows_the_trace_event_format_rules) checks weir's Chrome trace-event
 * export against, for the file Download trace saves: JSON with
 * a traceEvents array; every event has ph and a numeric pid and tid; metadata (M) names the
 * tracks; every other event has a string name and a ts that never goes back on its track;
 * complete slices (X) have dur >= 0 and nest on their track; each flow id starts (s) once and
 * finishes (f, bp "e") once; instants (i) are thread-scoped; counters (C) carry args; no
 * other phase; every track that has events is named. Gives the count of each phase.
 */
function checkChromeTrace(text) {
  const doc = JSON.parse(text);
  assert.ok(Array.isArray(doc.traceEvents), 'no traceEvents array');
  const evs = doc.traceEvents;
  assert.ok(evs.length > 10, `only ${evs.length} events`);
  const lastTs = new Map();
  const open = new Map();
  const flows = new Map();
  const phases = {};
  const named = new Set();
  for (const e of evs) {
    const where = JSON.stringify(e);
    assert.equal(typeof e.ph, 'string', where);
    phases[e.ph] = (phases[e.ph] ?? 0) + 1;
    assert.equal(typeof e.pid, 'number', where);
    assert.equal(typeof e.tid, 'number', where);
    if (e.ph === 'M') {
      if (e.name === 'thread_name') named.add(e.tid);
      continue;
    }
    assert.equal(typeof e.name, 'string', where);
    assert.equal(typeof e.ts, 'number', where);
    assert.ok(e.ts >= (lastTs.get(e.tid) ?? 0), `ts goes back on track ${e.tid}: ${where}`);
    lastTs.set(e.tid, e.ts);
    if (e.ph === 'X') {
      assert.ok(typeof e.dur === 'number' && e.dur >= 0, where);
      const stack = open.get(e.tid) ?? [];
      open.set(e.tid, stack);
      while (stack.length && stack.at(-1)[1] <= e.ts + 1e-6) stack.pop();
      assert.ok(!stack.length || e.ts + e.dur <= stack.at(-1)[1] + 1e-6, `slice overlaps its enclosing one: ${where}`);
      stack.push([e.ts, e.ts + e.dur]);
    } else if (e.ph === 's' || e.ph === 'f') {
      const c = flows.get(e.id) ?? { s: 0, f: 0 };
      flows.set(e.id, c);
      c[e.ph]++;
      if (e.ph === 'f') assert.equal(e.bp, 'e', where);
    } else if (e.ph === 'i') {
      assert.equal(e.s, 't', where);
    } else if (e.ph === 'C') {
      assert.ok(e.args && typeof e.args === 'object' && !Array.isArray(e.args), where);
    } else {
      assert.fail(`unexpected phase ${e.ph}: ${where}`);
    }
  }
  for (const [id, c] of flows) assert.deepEqual(c, { s: 1, f: 1 }, `flow ${id}`);
  for (const tid of lastTs.keys()) assert.ok(named.has(tid), `track ${tid} has no thread_name`);
  return phases;
}

test('Download trace gives Chrome trace-event JSON that the trace checks accept', { timeout: 90_000 }, async (t) => {
  await withPageLog(browser, async (page) => {
    await openPlayground(page, server);
    await page.selectOption('#workers', '2');
    assert.equal(await page.isDisabled('#download'), true);
    await runExample(page, 'parallel-map');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    assert.match(download.suggestedFilename(), /^weir-trace-.*\.json$/);
    const file = path.join(BUILD_DIR, 'trace.json');
    await download.saveAs(file);
    const text = readFileSync(file, 'utf8');
    const phases = checkChromeTrace(text);
    t.diagnostic(`${path.relative(REPO, file)}: ${text.length} bytes, phases ${JSON.stringify(phases)}`);
    for (const ph of ['X', 's', 'f', 'C', 'i', 'M']) assert.ok(phases[ph] > 0, `no ${ph} events`);
    assert.ok(text.includes('primes'), 'the stage is not named in the trace');
  });
});

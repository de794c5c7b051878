// weir on a browser page's main thread, through the probe module (tests/wasm/probe.cpp), in
// headless Chromium (pages/probe.html does the calling):
//   * block_on there must refuse with a clear error naming weir::wasm::start, at once, in both
//     builds (the event-loop build on a page without COOP/COEP, the threads build on an isolated
//     page), rather than freeze the page;
//   * the event-loop build runs a 1,000,000-item pipeline started with weir::wasm::start (run
//     after run for a second) while a 1 ms interval and requestAnimationFrame keep firing: it
//     runs in slices between the turns of the page's event loop. Only a wide bound is asserted
//     (a loaded CI machine stretches the gaps); the largest gaps are reported, beside those of
//     the idle page over as long a time. (Chromium runs the interval about once per two slices:
//     posted messages, which start the slices, go ahead of timers.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/server.mjs';
import { launch, withPageLog } from './support/chromium.mjs';
import { BUILDS, probeScript, requireBuilt } from './support/builds.mjs';

let browser;
const servers = {};

before(async () => {
  servers.plain = await startServer({ isolated: false });
  servers.isolated = await startServer({ isolated: true });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await servers.plain?.close();
  await servers.isolated?.close();
});

/** Opens pages/probe.html for a build and waits until its probe is loaded. */
async function openProbe(page, build, server) {
  requireBuilt(build, probeScript(build));
  await page.goto(`${servers[server].origin}/pages/probe.html?build=${build}`);
  return page.evaluate(() => window.weirProbeReady);
}

const BLOCK_MS = 10_000; // a block_on that really slept would take this long

const CASES = [
  { build: 'el', server: 'plain', isolated: false },
  { build: 'mt', server: 'isolated', isolated: true },
];

for (const { build, server, isolated } of CASES) {
  const where = isolated ? 'an isolated page' : 'a page without COOP/COEP';
  const name =
    `block_on on the main thread of ${where} throws an error naming weir::wasm::start ` +
    `(${BUILDS[build].label})`;
  test(name, { timeout: 60_000 }, async (t) => {
    await withPageLog(browser, async (page) => {
      const info = await openProbe(page, build, server);
      assert.equal(info.isolated, isolated, 'crossOriginIsolated on the page');
      // The probe reports the runtime's I/O driver: the event loop's own in the event-loop
      // build, none in the threads build (which has no I/O driver in wasm).
      if (build === 'el') assert.equal(info.backend, 'wasm_event_loop', 'the runtime\'s driver');
      else assert.notEqual(info.backend, 'wasm_event_loop', 'the runtime\'s driver');
      const r = await page.evaluate((ms) => window.weirProbe.blockOnMainThread(ms), BLOCK_MS);
      t.diagnostic(
        `${BUILDS[build].label}: block_on(sleep ${BLOCK_MS} ms) returned after ` +
          `${r.elapsedMs.toFixed(1)} ms: "${r.message}"`,
      );
      assert.match(r.message, /weir::wasm::start/, 'the error names weir::wasm::start');
      assert.ok(r.elapsedMs < BLOCK_MS / 5, `block_on took ${r.elapsedMs} ms to refuse`);
    });
  });
}

function expectedPipeline(n) {
  // iter(0, n).map(x => x * x).filter(even): the count and the sum modulo 1e9+7.
  const p = 1000000007n;
  let count = 0;
  let sum = 0n;
  for (let x = 0n; x < BigInt(n); x += 2n) {
    count++;
    sum = (sum + ((x * x) % p)) % p;
  }
  return [count, Number(sum)];
}

const PIPELINE_TEST =
  'a 1,000,000-item pipeline on the main thread of a page without COOP/COEP leaves a 1 ms ' +
  'interval and animation frames firing (event-loop build)';
test(PIPELINE_TEST, { timeout: 120_000 }, async (t) => {
  const N = 1_000_000;
  const MIN_MS = 1_000;
  const [count, sum] = expectedPipeline(N);
  await withPageLog(browser, async (page) => {
    const info = await openProbe(page, 'el', 'plain');
    assert.equal(info.isolated, false, 'crossOriginIsolated on the page');
    assert.equal(info.backend, 'wasm_event_loop', 'the runtime\'s driver');
    // Run after run until a second has passed, so that even a fast machine gives the interval
    // and the frames time to fire: 5 of each is then a wide bound.
    const r = await page.evaluate(
      ([n, ms]) => window.weirProbe.pipelineWhileTicking(n, ms),
      [N, MIN_MS],
    );
    t.diagnostic(
      `${r.runs.length} pipeline(s) of ${N} items (${r.runs.map((x) => x.ms).join(', ')} ms), ` +
        `${Math.round(r.pipelineMs)} ms in all, ${r.slices} slices (budget ${r.budgetMs} ms): ` +
        `1 ms interval fired ${r.ticks} times, largest gap ${r.maxTickGapMs.toFixed(1)} ms; ` +
        `${r.frames} animation frames, largest gap ${r.maxFrameGapMs.toFixed(1)} ms. ` +
        `As long on the idle page: interval ${r.idle.ticks} times, largest gap ` +
        `${r.idle.maxTickGapMs.toFixed(1)} ms; ${r.idle.frames} frames, largest gap ` +
        `${r.idle.maxFrameGapMs.toFixed(1)} ms`,
    );
    for (const run of r.runs) {
      assert.equal(run.count, count, 'items collected');
      assert.equal(run.sum, sum, 'sum of the items modulo 1e9+7');
    }
    assert.ok(r.ticks >= 5, `the 1 ms interval fired only ${r.ticks} times during the pipeline`);
    assert.ok(r.frames >= 5, `only ${r.frames} animation frames during the pipeline`);
  });
});

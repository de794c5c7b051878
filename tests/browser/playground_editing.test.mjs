// The playground's editor and runs that go wrong, in headless Chromium on the cross-origin
// isolated page (threads backend): completion and hover documentation come from weir-runtime's
// index.d.ts; a syntax error is marked on its line as one types and when run; a stage that throws
// shows its error, stage and item in the output panel and a mark in the editor; Stop ends an
// endless loop in a stage or in the top-level code, the page answers within 2 s and the next Run
// works; Share puts the code in the address and the address brings it back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, withPageLog } from './support/chromium.mjs';
import { openPlayground, runAndWait, servePlayground, setCode } from './playground_page.mjs';

let browser;
let server;

before(async () => {
  server = await servePlayground({ isolated: true });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/**
 * The labels the open completion list shows (it is virtual: only the rows in view exist, so
 * narrow it by typing first). Waits for the list and for it to settle (the language service
 * answers a moment after the first keystrokes).
 */
async function suggestions(page) {
  await page.waitForSelector('.suggest-widget.visible .monaco-list-row', { timeout: 45_000 });
  let last = '';
  for (let i = 0; i < 50; i++) {
    const labels = await page.$$eval('.suggest-widget.visible .monaco-list-row .label-name', (els) => els.map((e) => e.textContent));
    const key = labels.join(',');
    if (key === last && labels.length) return labels;
    last = key;
    await new Promise((r) => setTimeout(r, 150));
  }
  return last.split(',');
}

const markers = (page) => page.evaluate(() => window.weirPlayground.markers());

test('completion offers weir-runtime members from its declarations, and buffered after a stage function', { timeout: 120_000 }, async (t) => {
  await withPageLog(browser, async (page) => {
    await openPlayground(page, server);
    await setCode(page, '');
    await page.click('.monaco-editor .view-lines');
    await page.keyboard.type('rt.iter(0, 10).');
    const onStream = await suggestions(page);
    t.diagnostic(`after rt.iter(0, 10).: ${onStream.join(' ')} …`);
    for (const m of ['chain', 'chunks', 'collect']) assert.ok(onStream.includes(m), `${m} missing`);
    await page.keyboard.type('ma');
    assert.ok((await suggestions(page)).includes('map'), 'map missing');
    // index.d.ts offers buffered where it applies: after a stage function (map, filter, ...).
    await page.keyboard.press('Escape');
    await page.keyboard.type('p((x) => x * 2).');
    await suggestions(page);
    await page.keyboard.type('buf');
    const onMapped = await suggestions(page);
    t.diagnostic(`after .map((x) => x * 2).buf: ${onMapped.join(' ')}`);
    assert.ok(onMapped.includes('buffered'), 'buffered missing');
    assert.ok(onMapped.includes('bufferUnordered'), 'bufferUnordered missing');
    await page.keyboard.press('Escape');

    // Hover over a member: its documentation.
    await setCode(page, 'const s = rt.iter(0, 10).map((x) => x).buffered(4);\n');
    await page.locator('.view-lines span', { hasText: /^buffered$/ }).first().hover();
    const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: 'calls of the previous stage function' });
    await hover.waitFor({ timeout: 30_000 });
    t.diagnostic(`hover: ${(await hover.first().textContent()).slice(0, 120)}…`);
  });
});

test('a syntax error is marked on its line, as one types and when run', { timeout: 90_000 }, async () => {
  await withPageLog(browser, async (page) => {
    await openPlayground(page, server);
    await setCode(page, 'const a = 1;\nconsole.log(a;\n');
    await page.waitForFunction(() => window.weirPlayground.markers().some((m) => m.owner === 'javascript'), null, {
      timeout: 45_000,
      polling: 100,
    });
    const typed = (await markers(page)).filter((m) => m.owner === 'javascript');
    assert.equal(typed[0].line, 2, JSON.stringify(typed));
    const { output } = await runAndWait(page);
    assert.match(output, /✗ SyntaxError: /, output);
    assert.match(output, /at line 2, column \d+/, output);
    const run = (await markers(page)).filter((m) => m.owner === 'weir-run');
    assert.equal(run.length, 1, JSON.stringify(run));
    assert.equal(run[0].line, 2);
  });
});

test('a stage that throws shows the error with its stage and item, marked in the editor', { timeout: 90_000 }, async () => {
  await withPageLog(browser, async (page) => {
    await openPlayground(page, server);
    await setCode(
      page,
      [
        'const squares = await rt',
        '  .iter(0, 10)',
        "  .stage('square', (s) =>",
        '    s.map((x) => {',
        "      if (x === 7) throw new RangeError('seven is not welcome');",
        '      return x * x;',
        '    }),',
        '  )',
        '  .collect();',
      ].join('\n'),
    );
    const { output } = await runAndWait(page);
    assert.match(output, /✗ WeirStageError: square threw at item 7: seven is not welcome/, output);
    assert.match(output, /^ {2}stage: square$/m, output);
    assert.match(output, /^ {2}item: 7$/m, output);
    assert.match(output, /^ {2}cause: RangeError: seven is not welcome$/m, output);
    const run = (await markers(page)).filter((m) => m.owner === 'weir-run');
    assert.equal(run.length, 1, JSON.stringify(run));
    assert.equal(run[0].line, 3); // the stage's name

    // An unnamed stage: the mark is on the line that threw.
    await setCode(page, "await rt.iter(0, 5).map((x) => {\n  if (x === 3) throw new Error('three');\n  return x;\n}).collect();");
    const second = await runAndWait(page);
    assert.match(second.output, /^ {2}item: 3$/m, second.output);
    const m2 = (await markers(page)).filter((m) => m.owner === 'weir-run');
    assert.equal(m2[0]?.line, 2, JSON.stringify(m2));

    // A runtime error in the top-level code: its line and column.
    await setCode(page, 'const x = {};\nx.y.z = 1;');
    const third = await runAndWait(page);
    assert.match(third.output, /✗ TypeError: .*\n {2}at line 2, column \d+/, third.output);
  });
});

/** Starts code that never ends, presses Stop, and checks the page answers and runs again. */
async function stopEndless(page, t, what, code) {
  await setCode(page, code);
  await page.click('#run');
  // Wait until the code is running (the runner said which backend it runs on).
  await page.waitForFunction(() => window.weirPlayground.output().includes('▶'), null, { timeout: 30_000 });
  await new Promise((r) => setTimeout(r, 500));
  const t0 = Date.now();
  await page.click('#stop');
  await page.waitForFunction(() => window.weirPlayground.running() === false, null, { timeout: 2000, polling: 20 });
  const answered = await page.evaluate(() => 1 + 1); // the page's thread is free
  const ms = Date.now() - t0;
  t.diagnostic(`${what}: stopped and answering after ${ms} ms (${await page.textContent('#status')})`);
  assert.equal(answered, 2);
  assert.ok(ms < 2000, `${ms} ms`);
  assert.match(await page.evaluate(() => window.weirPlayground.output()), /■ stopped after/);
  await setCode(page, 'return await rt.iter(0, 5).map((x) => x * 3).collect();');
  const { output } = await runAndWait(page, 30_000);
  assert.match(output, /⇒ \[ 0, 3, 6, 9, 12 \]/, output);
}

test('Stop ends an endless loop in a stage or in the top-level code, and the next Run works', { timeout: 120_000 }, async (t) => {
  await withPageLog(browser, async (page) => {
    await openPlayground(page, server);
    await page.selectOption('#workers', '2');
    await stopEndless(page, t, 'a stage', "await rt.iter(0, 100).stage('spin', (s) => s.map((x) => { while (true) {} })).collect();");
    await stopEndless(page, t, 'the top-level code', 'console.log("spinning");\nwhile (true) {}');
  });
});

test('Share puts the code in the address, which opens the page with it', { timeout: 60_000 }, async () => {
  await withPageLog(browser, async (page) => {
    await openPlayground(page, server);
    const code = "// shared\nconsole.log('héllo, weir');\n";
    await setCode(page, code);
    await page.selectOption('#workers', '3');
    await page.click('#share');
    await page.waitForFunction(() => location.hash.includes('code='), null, { timeout: 5000 });
    const url = page.url();
    const other = await page.context().newPage();
    await openPlayground(other, { url });
    assert.equal(await other.evaluate(() => window.weirPlayground.getCode()), code);
    assert.equal(await other.inputValue('#workers'), '3');
    await other.close();
  });
});

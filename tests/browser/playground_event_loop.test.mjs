// The playground served without COOP/COEP (web/server.mjs with isolated: false): the page is not
// cross-origin isolated, so weir-runtime's threads backend cannot run; the page chooses the
// event-loop backend, says so, and runs every example on it. Stop works there too, where a
// stage function runs on the runner's own thread.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO } from './support/server.mjs';
import { launch, withPageLog } from './support/chromium.mjs';
import { OWN_EXAMPLES, SEEDS, containsInOrder, openPlayground, runAndWait, runExample, servePlayground, setCode } from './playground_page.mjs';

let browser;
let server;

before(async () => {
  server = await servePlayground({ isolated: false });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('without COOP/COEP the page chooses the event-loop backend, says so, and runs every example on it', { timeout: 180_000 }, async (t) => {
  await withPageLog(browser, async (page) => {
    await openPlayground(page, server);
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), false);
    assert.equal(await page.inputValue('#backend'), 'event-loop');
    assert.equal(await page.isDisabled('#backend option[value="threads"]'), true);
    assert.match(await page.textContent('#backend-note'), /event-loop: page not cross-origin isolated/);
    assert.equal(await page.isDisabled('#workers'), true);
    for (const [id, file] of SEEDS) {
      const expected = readFileSync(path.join(REPO, 'examples/seed/expected', file), 'utf8');
      const { output, ms } = await runExample(page, id);
      t.diagnostic(`${id}: ${ms} ms`);
      assert.match(output, /^▶ event-loop backend, 1 worker \(event-loop: the page is not cross-origin isolated\)/m, output);
      assert.equal(containsInOrder(output, expected), null, `${id}:\n${output}`);
    }
    for (const [id, expected] of OWN_EXAMPLES) {
      const { output, ms } = await runExample(page, id);
      t.diagnostic(`${id}: ${ms} ms`);
      assert.match(output, /^▶ event-loop backend/m, output);
      assert.equal(containsInOrder(output, expected), null, `${id}:\n${output}`);
      if (id === 'parallel-map') {
        const s = await page.evaluate(() => window.weirView.stats());
        assert.deepEqual(s.lanes.map((l) => l.name), ['host', 'worker 0']);
        assert.ok(s.lanes[1].polls > 0, JSON.stringify(s.lanes));
      }
    }
  });
});

test('Stop ends an endless stage on the event-loop backend, and the next Run works', { timeout: 60_000 }, async (t) => {
  await withPageLog(browser, async (page) => {
    await openPlayground(page, server);
    await setCode(page, "await rt.iter(0, 10).stage('spin', (s) => s.map((x) => { while (true) {} })).collect();");
    await page.click('#run');
    await page.waitForFunction(() => window.weirPlayground.output().includes('▶'), null, { timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 500));
    const t0 = Date.now();
    await page.click('#stop');
    await page.waitForFunction(() => window.weirPlayground.running() === false, null, { timeout: 2000, polling: 20 });
    const ms = Date.now() - t0;
    t.diagnostic(`stopped and answering after ${ms} ms`);
    assert.ok(ms < 2000, `${ms} ms`);
    await setCode(page, 'return await rt.iter(0, 3).map((x) => x + 1).collect();');
    const { output } = await runAndWait(page, 30_000);
    assert.match(output, /⇒ \[ 1, 2, 3 \]/, output);
  });
});

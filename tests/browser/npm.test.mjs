// The npm package weir-runtime in Chromium, loaded as an ES module by a page (pages/npm.html):
// on a page without COOP/COEP 'auto' picks the event-loop build and 'threads' is refused with a
// message that says why; on a cross-origin isolated page 'auto' picks the threads build. Each
// build runs the design's pipeline, a spawn, a stage error, an abort, and a run after it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startServer, REPO } from './support/server.mjs';
import { launch, withPageLog } from './support/chromium.mjs';

let browser;
const servers = {};

before(async () => {
  for (const f of ['weir-threads.mjs', 'weir-event-loop.mjs']) {
    if (!existsSync(path.join(REPO, 'wasm/npm/dist', f))) {
      throw new Error(`wasm/npm/dist/${f} is missing: run scripts/build-npm.sh`);
    }
  }
  servers.plain = await startServer({ isolated: false });
  servers.isolated = await startServer({ isolated: true });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await servers.plain?.close();
  await servers.isolated?.close();
});

async function open(page, server) {
  await page.goto(`${servers[server].origin}/pages/npm.html`);
  await page.waitForFunction(() => window.weirNpmReady === true, null, { timeout: 30_000 });
}

function checkRun(r, backend) {
  assert.equal(r.backend, backend);
  assert.equal(r.workers, backend === 'threads' ? 2 : 1);
  assert.equal(r.count, 500);
  assert.equal(r.last, 998 * 998);
  assert.equal(r.spawn, 5);
  assert.deepEqual(r.stageError, { item: 4, cause: 'four' });
  assert.equal(r.abort, 'stopped');
  assert.deepEqual(r.after, [0, 10, 20, 30, 40]);
}

test('weir-runtime on a page without COOP/COEP: the event-loop build, threads refused clearly', { timeout: 90_000 }, async (t) => {
  await withPageLog(browser, async (page) => {
    await open(page, 'plain');
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), false);
    assert.equal(await page.evaluate(() => window.weirNpm.autoBackend()), 'event-loop');
    assert.match(await page.evaluate(() => window.weirNpm.threadsRefused()), /cross-origin isolated|COOP/);
    const r = await page.evaluate(() => window.weirNpm.run('event-loop'));
    t.diagnostic(JSON.stringify(r));
    checkRun(r, 'event-loop');
  });
});

test('weir-runtime on a cross-origin isolated page: the threads build (and the event-loop one)', { timeout: 90_000 }, async (t) => {
  await withPageLog(browser, async (page) => {
    await open(page, 'isolated');
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), true);
    assert.equal(await page.evaluate(() => window.weirNpm.autoBackend()), 'threads');
    const r = await page.evaluate(() => window.weirNpm.run('threads'));
    t.diagnostic(JSON.stringify(r));
    checkRun(r, 'threads');
    checkRun(await page.evaluate(() => window.weirNpm.run('event-loop')), 'event-loop');
  });
});

// The five seed examples in headless Chromium, each with exactly its expected output
// (examples/seed/expected/) and exit code 0, from both WebAssembly builds, each on the kind of
// page it is for: the event-loop build on a page that is NOT cross-origin isolated (no
// SharedArrayBuffer; the program runs in a dedicated worker because its main() calls block_on),
// the threads build on an isolated page (COOP + COEP; PROXY_TO_PTHREAD runs main() on a worker).
// pages/seed.html does the running; this file checks what it reports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/server.mjs';
import { launch, withPageLog, pageResult } from './support/chromium.mjs';
import { SEEDS, BUILDS, seedScript, expectedOutput, requireBuilt } from './support/builds.mjs';

const RUN_TIMEOUT_MS = 60_000; // one program; each takes a second or two

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

const CASES = [
  { build: 'el', server: 'plain', isolated: false },
  { build: 'mt', server: 'isolated', isolated: true },
];

for (const { build, server, isolated } of CASES) {
  const where = isolated ? 'a cross-origin isolated page' : 'a page without COOP/COEP';
  for (const name of SEEDS) {
    const title =
      `the ${BUILDS[build].label} runs ${name} in Chromium from ${where}, ` +
      'output exactly as expected';
    test(title, { timeout: 2 * RUN_TIMEOUT_MS }, async (t) => {
      requireBuilt(build, seedScript(build, name));
      const expected = expectedOutput(name);
      await withPageLog(browser, async (page) => {
        const t0 = performance.now();
        await page.goto(`${servers[server].origin}/pages/seed.html?build=${build}&name=${name}`);
        const r = await pageResult(page, RUN_TIMEOUT_MS);
        const ms = performance.now() - t0;
        assert.equal(r.isolated, isolated, `crossOriginIsolated on the page`);
        assert.equal(r.sharedArrayBuffer, isolated, 'SharedArrayBuffer on the page');
        assert.deepEqual(r.errors, [], `errors running ${name}`);
        assert.equal(r.exitCode, 0, `exit code of ${name}; its stderr:\n${r.stderr}`);
        assert.equal(r.stdout, expected, `stdout of ${name}`);
        t.diagnostic(
          `${name} (${build}): exit 0, output as expected, ` +
            `${Math.round(ms)} ms from page load to exit`,
        );
      });
    });
  }
}

// What the playground tests (playground*.test.mjs) share: the built page (web/dist, made by
// `node web/build.mjs`) served by the playground's own server (web/server.mjs) with or without
// COOP/COEP, and the steps a user takes on it: open it, put code in the editor, press Run, wait
// for the run to end, read the output panel and the view's test hook (window.weirView.stats()).
// Not a test file itself (node --test runs *.test.mjs only).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO } from './support/server.mjs';

export const WEB_DIST = path.join(REPO, 'web/dist');
export const BUILD_DIR = path.join(REPO, 'build/playground');

/** The playground's server on a free port; isolated: whether it sends COOP/COEP. */
export async function servePlayground({ isolated }) {
  if (!existsSync(path.join(WEB_DIST, 'index.html'))) {
    throw new Error('web/dist is missing: build the playground (cd web && npm ci && node build.mjs)');
  }
  const { startServer } = await import(path.join(REPO, 'web/server.mjs'));
  return startServer({ root: WEB_DIST, port: 0, isolated });
}

/** Opens the page and waits until its editor takes input; gives the page's load figures. */
export async function openPlayground(page, server) {
  const t0 = Date.now();
  await page.goto(server.url);
  await page.waitForFunction(() => window.weirPlaygroundReady === true, null, { timeout: 30_000, polling: 20 });
  const wallMs = Date.now() - t0;
  const readyMs = await page.evaluate(() => window.weirPlayground.readyMs);
  return { wallMs, readyMs };
}

/** Replaces the editor's code. */
export function setCode(page, code) {
  return page.evaluate((c) => window.weirPlayground.setCode(c), code);
}

/** Presses Run and waits for the run's end; gives { output, ms }. */
export async function runAndWait(page, timeoutMs = 60_000) {
  const t0 = Date.now();
  await page.click('#run');
  await page.waitForFunction(() => window.weirPlayground.running() === true || /✓|✗/.test(window.weirPlayground.output()), null, {
    timeout: 10_000,
    polling: 20,
  });
  await page.waitForFunction(() => window.weirPlayground.running() === false, null, { timeout: timeoutMs, polling: 50 });
  return { output: await page.evaluate(() => window.weirPlayground.output()), ms: Date.now() - t0 };
}

/** Loads an example from the Examples menu and runs it. */
export async function runExample(page, id, timeoutMs) {
  await page.selectOption('#examples', id);
  return runAndWait(page, timeoutMs);
}

export function stats(page) {
  return page.evaluate(() => window.weirView.stats());
}

/** Each line of expected appears in output, in order (other lines may come between). */
export function containsInOrder(output, expected) {
  const lines = output.split('\n');
  let at = 0;
  for (const want of expected.split('\n').filter(Boolean)) {
    const i = lines.indexOf(want, at);
    if (i < 0) return `missing (in order): ${JSON.stringify(want)}`;
    at = i + 1;
  }
  return null;
}

/** The seed examples (their Examples menu ids) and their expected output files. */
export const SEEDS = [
  ['seed-streams', 'seed_streams.txt'],
  ['seed-runtime', 'seed_runtime.txt'],
  ['seed-cancellation', 'seed_cancellation.txt'],
  ['seed-errors', 'seed_errors.txt'],
  ['seed-async-iterator', 'seed_async_iterator.txt'],
];

/** The playground's own examples and the lines their runs print (and their result). */
export const OWN_EXAMPLES = [
  ['parallel-map', 'primes below 1,200,000: 92938\n⇒ 92938'],
  ['backpressure', 'consumed 150 items from an endless source; the last was 22201'],
  ['concurrency-limit', '40 responses, in input order: true\nat most 4 calls in flight at once'],
];

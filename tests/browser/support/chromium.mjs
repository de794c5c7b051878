// Headless Chromium for the browser suite: Debian's /usr/bin/chromium driven by playwright-core
// (no browser download), and pages whose console messages, uncaught errors and failed requests
// are recorded so that a failing check can show them (withPageLog). One browser serves a whole
// test file; it is closed in the file's after() hook, so a failure or a timeout never leaves it
// running.
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.WEIR_CHROMIUM ?? '/usr/bin/chromium';

// ../shared/notes/toolchain.md section 3: no sandbox (containers), no GPU, nothing that reaches
// the network on its own.
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launch() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60_000 });
}

/** A fresh page in its own context; page.weirLog collects what the page said. */
export async function newPage(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const log = [];
  const t0 = Date.now();
  const add = (what) => log.push(`[+${((Date.now() - t0) / 1000).toFixed(2)}s] ${what}`);
  page.on('console', (m) => add(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => add(`page error: ${e.stack ?? e}`));
  page.on('crash', () => add('page crashed'));
  page.on('requestfailed', (r) => add(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  page.on('response', (r) => {
    if (r.status() >= 400) add(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on('worker', (w) => add(`worker started: ${w.url()}`));
  page.weirLog = log;
  page.weirClose = () => context.close();
  return page;
}

/** Runs fn(page) on a fresh page; if it throws, the page's log is appended to the error. */
export async function withPageLog(browser, fn) {
  const page = await newPage(browser);
  try {
    return await fn(page);
  } catch (e) {
    const log = page.weirLog.length ? page.weirLog.join('\n') : '(nothing)';
    if (e instanceof Error) {
      // The reporter prints the stack (which holds the message as it was when thrown).
      const extra = `\n--- page log (${page.url()}) ---\n${log}\n--- end ---`;
      e.message += extra;
      if (typeof e.stack === 'string') e.stack += extra;
    }
    throw e;
  } finally {
    await page.weirClose().catch(() => {});
  }
}

/** Waits for the page to set window.weirResult (a structured-clonable value) and returns it. */
export async function pageResult(page, timeoutMs) {
  const h = await page.waitForFunction(() => window.weirResult, null, {
    timeout: timeoutMs,
    polling: 100,
  });
  return h.jsonValue();
}

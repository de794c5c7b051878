// The page's side of the runner worker (runner/worker.js): starts it, sends it runs, hands its
// messages to the page, and stops a run by terminating the worker (the only way to end a
// `while (true) {}`, on the runner's thread or on one of its pool's nested workers) and
// starting a fresh one, so that the next Run finds a runner ready.

export class RunnerClient {
  /** handlers: { message(msg), ready(info) }. */
  constructor(handlers) {
    this.handlers = handlers;
    this.worker = null;
    this.nextId = 1;
    this.current = null; // id of the run in progress
    this.ready = null; // resolves with the runner's 'ready' message
    this.start();
  }

  start() {
    const worker = new Worker(new URL('./runner.js', import.meta.url), { type: 'module', name: 'weir-runner' });
    this.worker = worker;
    this.ready = new Promise((resolve) => {
      worker.addEventListener('message', (ev) => {
        if (this.worker !== worker) return; // a terminated runner's last words
        const msg = ev.data;
        if (msg.type === 'ready') {
          resolve(msg);
          this.handlers.ready?.(msg);
          return;
        }
        if (msg.id !== this.current) return;
        if (msg.type === 'done') this.current = null;
        this.handlers.message(msg);
      });
    });
    worker.addEventListener('error', (ev) => {
      if (this.worker !== worker) return;
      // A failure of the runner itself (its script did not load): say it where runs report.
      const id = this.current;
      this.current = null;
      this.handlers.message({ type: 'error', id, error: { name: 'Error', message: `the runner failed: ${ev.message ?? 'could not start'}` } });
      this.handlers.message({ type: 'done', id, ok: false, ms: 0 });
    });
  }

  /** Starts a run (as soon as the runner is ready); returns its id. */
  run({ code, workers, backend }) {
    const id = this.nextId++;
    this.current = id;
    const worker = this.worker;
    this.ready.then(() => {
      // Stopped before the runner was ready: that runner is gone, and the run with it.
      if (this.current === id && this.worker === worker) worker.postMessage({ type: 'run', id, code, workers, backend });
    });
    return id;
  }

  get running() {
    return this.current !== null;
  }

  /** Ends the run in progress at once and starts a fresh runner. */
  stop() {
    const id = this.current;
    this.current = null;
    this.worker.terminate();
    this.start();
    return id;
  }
}

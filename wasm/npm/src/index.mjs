// weir-runtime: stream pipelines whose JavaScript stage functions run in parallel on weir's
// work-stealing pool of workers (or, where threads cannot be had, in slices on the event loop).
// docs/npm.md is the guide; index.d.ts documents every export.
import { isNode, loadNative, threadsAvailable } from './native.mjs';
import { Runtime } from './runtime.mjs';
import { describe } from './validate.mjs';

export { Stream } from './stream.mjs';
export { WeirStageError, WeirTimeoutError } from './errors.mjs';
export { Runtime };

function hardwareConcurrency() {
  if (typeof navigator === 'object' && navigator?.hardwareConcurrency) return navigator.hardwareConcurrency;
  return 1;
}

async function nodeParallelism() {
  if (!isNode()) return null;
  const os = await import('node:os');
  return os.availableParallelism ? os.availableParallelism() : os.cpus().length;
}

/**
 * Starts a runtime. options.workers: worker threads (threads build; default: the machine's
 * parallelism, at most 8); options.backend: 'auto' (threads where SharedArrayBuffer and workers
 * can be used, else the event loop), 'threads' or 'event-loop'; options.sliceBudgetMs: the
 * event-loop build's slice budget (default 8).
 */
export async function createRuntime(options = {}) {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`createRuntime(): options must be an object, got ${describe(options)}`);
  }
  const { workers, backend = 'auto', sliceBudgetMs = 8 } = options;
  for (const k of Object.keys(options)) {
    if (!['workers', 'backend', 'sliceBudgetMs'].includes(k)) {
      throw new TypeError(`createRuntime(): unknown option "${k}" (known: workers, backend, sliceBudgetMs)`);
    }
  }
  if (workers !== undefined) {
    if (typeof workers !== 'number') throw new TypeError(`createRuntime(): workers must be a number, got ${describe(workers)}`);
    if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
      throw new RangeError(`createRuntime(): workers must be an integer from 1 to 64, got ${workers}`);
    }
  }
  if (!['auto', 'threads', 'event-loop'].includes(backend)) {
    throw new RangeError(`createRuntime(): backend must be 'auto', 'threads' or 'event-loop', got ${describe(backend)}`);
  }
  if (typeof sliceBudgetMs !== 'number' || !(sliceBudgetMs > 0) || !Number.isFinite(sliceBudgetMs)) {
    throw new RangeError(`createRuntime(): sliceBudgetMs must be a positive number, got ${describe(sliceBudgetMs)}`);
  }
  let chosen = backend;
  if (backend === 'auto') chosen = threadsAvailable() ? 'threads' : 'event-loop';
  if (chosen === 'threads' && !threadsAvailable()) {
    throw new Error(
      "createRuntime(): the 'threads' backend needs SharedArrayBuffer and workers: in a browser, " +
        "serve the page cross-origin isolated (COOP/COEP headers), or use backend: 'event-loop'",
    );
  }
  let n = workers;
  if (chosen === 'event-loop') n = 1;
  else if (n === undefined) n = Math.min(8, (await nodeParallelism()) ?? hardwareConcurrency());
  let runtime = null;
  const host = Runtime.hostCallbacks(() => runtime?.engine);
  const native = await loadNative(chosen, n, sliceBudgetMs, host);
  runtime = new Runtime(native);
  return runtime;
}

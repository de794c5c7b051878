// Runtime: what createRuntime gives. It owns one wasm module instance with a weir::runtime in it
// (native.mjs) and the engine's shared parts (jobs, stage descriptors, the tracer), and makes
// streams (iter), single calls on a worker (spawn) and timers (sleep).
import { Jobs } from './engine/jobs.mjs';
import { Run } from './engine/run.mjs';
import { StageRegistry, isAsyncFunction, shippableSource } from './engine/stages.mjs';
import { STAGE, STATUS } from './engine/job_layout.mjs';
import { ITEM_KINDS } from './engine/job_results.mjs';
import { reviveError, stageError } from './errors.mjs';
import { ACCESS, Stream } from './stream.mjs';
import { Tracer } from './trace.mjs';
import { describe, fnArg, msArg, signalOpt } from './validate.mjs';

/** The parts of a runtime that streams and runs use; not part of the public API. */
class Engine {
  constructor(native) {
    this.native = native;
    this.jobs = new Jobs(native);
    this.stages = new StageRegistry(native);
    this.workers = native.workers;
    this.closed = false;
    this.runs = new Set();
    this.timers = new Map(); // sleep id -> resolve
    this.nextTimer = 1;
    this.tracer = new Tracer(this);
    this.holds = 0;
    this.keepAlive = null;
    this.jobs.onBusy = (busy) => (busy ? this.hold() : this.release());
  }
  /**
   * While work is in flight the host must stay alive to take its results: in Node the pool's
   * workers do not keep the process running (so that an idle runtime lets it exit), so a
   * handle does, from the first job or timer in flight to the last.
   */
  hold() {
    if (this.holds++ === 0 && this.native.backend === 'threads') {
      this.keepAlive = setInterval(() => {}, 1 << 30);
    }
  }
  release() {
    if (this.holds > 0 && --this.holds === 0 && this.keepAlive) {
      clearInterval(this.keepAlive);
      this.keepAlive = null;
    }
  }
  checkOpen() {
    if (this.closed) throw new Error('runtime is closed');
  }
  traceOn() {
    return this.tracer.on;
  }
  traceStage(kind, name, count) {
    this.native.traceStage(kind, name, count);
  }
}

export class Runtime {
  #engine;

  /** @internal made by createRuntime. */
  constructor(native) {
    this.#engine = new Engine(native);
    const engine = this.#engine;
    /** 'threads' or 'event-loop': the build this runtime runs on. */
    this.backend = native.backend;
    /** The number of workers in use (1 for the event-loop build). */
    this.workers = native.workers;
    /** Tracing: start()/stop() record a trace; subscribe() is a live feed of events. */
    this.trace = Object.freeze({
      start: (opts) => engine.tracer.start(opts),
      stop: () => engine.tracer.stop(),
      subscribe: (cb, opts) => engine.tracer.subscribe(cb, opts),
    });
  }

  /** @internal the module's callbacks (weirHost), installed before the runtime starts. */
  static hostCallbacks(getEngine) {
    return {
      jobDone: (job, cancelled) => getEngine()?.jobs.done(job, cancelled),
      timerDone: (id, cancelled) => {
        const e = getEngine();
        const t = e?.timers.get(id);
        if (!t) return;
        e.timers.delete(id);
        t(cancelled);
      },
    };
  }

  /** @internal */
  get engine() {
    return this.#engine;
  }

  /**
   * A stream of the numbers start, start + 1, ... below end (iter(start, end)), or of the items
   * of an array, typed array, iterable or async iterable (iter(items)).
   */
  iter(a, b) {
    this.#engine.checkOpen();
    let src;
    if (arguments.length >= 2) {
      if (typeof a !== 'number' || typeof b !== 'number') {
        throw new TypeError(`iter(start, end): expected two numbers, got ${describe(a)} and ${describe(b)}`);
      }
      if (Number.isNaN(a) || Number.isNaN(b) || !Number.isFinite(a) || b === -Infinity) {
        throw new RangeError(`iter(start, end): start must be finite and end a number or Infinity, got ${a} and ${b}`);
      }
      const safe = Number.MAX_SAFE_INTEGER;
      if (Math.abs(a) > safe || (Number.isFinite(b) && Math.abs(b) > safe)) {
        // Beyond it start + 1 === start: the range would repeat one number for ever.
        throw new RangeError(`iter(start, end): start and a finite end must lie within ±Number.MAX_SAFE_INTEGER, got ${a} and ${b}`);
      }
      src = { type: 'range', start: a, end: b };
    } else if (Array.isArray(a) || ArrayBuffer.isView(a)) {
      if (a instanceof DataView) throw new TypeError('iter(): a DataView is not a sequence of items');
      src = { type: 'array', items: a };
    } else if (a != null && typeof a[Symbol.asyncIterator] === 'function') {
      src = { type: 'async', items: a };
    } else if (a != null && typeof a[Symbol.iterator] === 'function') {
      src = { type: 'iterable', items: a };
    } else {
      throw new TypeError(`iter(): expected (start, end) or an array, typed array, iterable or async iterable, got ${describe(a)}`);
    }
    return new Stream({ [ACCESS]: true, engine: this.#engine }, [{ kind: 'source', src }]);
  }

  /**
   * Calls fn(...args) once: a synchronous function on a worker, an async one on this thread.
   * fn must be self-contained (it travels by its source); args travel as items do.
   */
  async spawn(fn, ...args) {
    const e = this.#engine;
    e.checkOpen();
    fnArg('spawn()', fn);
    const source = shippableSource(fn, "spawn()'s function");
    const run = new Run(e, undefined);
    try {
      const label = `spawn (${source.replace(/\s+/g, ' ').slice(0, 40)})`;
      const desc = run.acquire(STAGE.CALL, fn, source, undefined, label);
      if (isAsyncFunction(fn)) {
        let v;
        try {
          // Raced with the run, which close() fails: a spawn in progress rejects at close, not
          // when (or if) its function settles.
          v = await run.race(Promise.resolve(desc.compiled()(...args)));
        } catch (err) {
          if (e.closed) throw new Error('runtime is closed');
          throw stageError(label, 0, err);
        }
        // A spawn in progress when the runtime closed rejects, whatever it came to.
        if (e.closed) throw new Error('runtime is closed');
        if (typeof v === 'function' || typeof v === 'symbol') {
          throw new TypeError(`${label} returned a value that is a ${typeof v}: ${ITEM_KINDS}`);
        }
        return v;
      }
      const job = run.job(desc, args, undefined, 0);
      const r = await job.promise;
      if (r.cancelled || e.closed) throw new Error('runtime is closed');
      if (r.status === STATUS.THENABLE) {
        throw new TypeError(`${label} returned a promise on a worker, where it cannot be awaited: declare it async`);
      }
      if (r.status !== STATUS.OK) {
        if (r.error?.codec) throw new TypeError(r.error.message);
        throw stageError(label, 0, reviveError(r.error));
      }
      return r.items[0];
    } finally {
      run.end();
    }
  }

  /** Resolves after ms milliseconds (a weir timer); rejects with signal.reason if aborted. */
  sleep(ms, opts) {
    const e = this.#engine;
    try {
      e.checkOpen();
      msArg('sleep()', ms);
    } catch (err) {
      return Promise.reject(err);
    }
    let signal;
    try {
      signal = signalOpt('sleep()', opts);
    } catch (err) {
      return Promise.reject(err);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    const id = e.nextTimer++;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        e.native.sleepAbort(id);
        reject(signal.reason);
      };
      e.hold();
      e.timers.set(id, (cancelled) => {
        e.release();
        signal?.removeEventListener('abort', onAbort);
        if (cancelled) {
          if (!signal?.aborted) reject(new Error('runtime is closed'));
        } else resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      e.native.sleep(id, ms);
    });
  }

  /** The scheduler's counters (weir::runtime::metrics), as a plain object. */
  metrics() {
    const e = this.#engine;
    e.checkOpen();
    const m = e.native.metrics();
    const perWorker = [];
    for (let i = 6; i + 8 <= m.length; i += 8) {
      perWorker.push({
        polls: m[i],
        steals: m[i + 1],
        stealOperations: m[i + 2],
        overflows: m[i + 3],
        parks: m[i + 4],
        spawned: m[i + 5],
        localQueueDepth: m[i + 6],
        busyMs: m[i + 7] / 1e6,
      });
    }
    return {
      workers: m[0],
      globalQueueDepth: m[1],
      liveTasks: m[2],
      remoteSpawned: m[3],
      lostWakers: m[4],
      perWorker,
    };
  }

  /**
   * Shuts the runtime down: runs in progress reject with Error("runtime is closed"), its workers
   * stop. Idempotent.
   */
  async close() {
    const e = this.#engine;
    if (e.closed) return;
    e.closed = true;
    for (const run of [...e.runs]) run.fail(new Error('runtime is closed'));
    e.tracer.close();
    e.native.close(); // cancels every task: pending jobs and timers report cancelled
    // Nothing of a closed runtime may keep the process alive, whatever its jobs reported.
    if (e.keepAlive) {
      clearInterval(e.keepAlive);
      e.keepAlive = null;
    }
    e.holds = 0;
    // Let those reports (posted to this thread) arrive, so nothing is left waiting.
    await new Promise((r) => setTimeout(r, 0));
  }
}

// One execution of a pipeline: what every operator of it shares while it runs. It owns the
// cancel flag that jobs read between items (an Int32 in wasm memory, so a worker in the middle
// of a chunk sees it), the jobs in flight (aborted when the run ends early), the stage
// descriptors it acquired, and the first failure: the run fails once, everything in flight is
// cancelled, and no new stage call starts after it.
import { STATUS } from './job_layout.mjs';
import { nextTurn } from './turn.mjs';

/** How long a run's consumer may hold the thread before it lets the event loop take a turn. */
const TURN_MS = 8;

export class Run {
  constructor(rt, signal) {
    this.rt = rt; // the Runtime's internals (engine.mjs: native, jobs, stages, workers)
    this.failure = null;
    this.ended = false;
    this.inflight = new Map(); // job id -> true
    this.descs = [];
    this.closers = new Set(); // operators' close functions (abort what they hold)
    rt.runs?.add(this);
    this.cancelPtr = rt.native.malloc(8);
    rt.native.i32()[this.cancelPtr >> 2] = 0;
    this.waiters = new Set(); // race()s waiting: rejected at once when the run fails
    this.signal = signal;
    this.turnAt = performance.now(); // breathe()
    if (signal) {
      // The signal's reason as it is, null and undefined included (abort() without one gives an
      // AbortError DOMException already), as rt.sleep and every consumer reject with it.
      this.onAbort = () => this.fail(signal.reason);
      if (signal.aborted) this.onAbort();
      else signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  /**
   * A turn of the event loop (a promise) once the consumer has held the thread for TURN_MS,
   * else null. Its pulls settle as microtasks whenever no job is in flight (a source and
   * structural operators only, or a chunk already at hand): a consumer looping over them kept
   * timers, I/O and the abort of its own signal waiting for ever (`iter(0, Infinity).count()`
   * could not be stopped). One clock read a chunk.
   */
  breathe() {
    if (performance.now() - this.turnAt < TURN_MS) return null;
    return nextTurn().then(() => {
      this.turnAt = performance.now();
      this.check();
    });
  }

  get live() {
    return !this.failure && !this.ended;
  }

  /** The first failure wins; the rest of the run is cancelled. */
  fail(error) {
    if (this.failure) return;
    this.failure = { error };
    this.stopWork();
    for (const w of this.waiters) w(error);
    this.waiters.clear();
  }

  stopWork() {
    const n = this.rt.native;
    if (this.cancelPtr && n.rt) {
      const i32 = n.i32();
      if (n.shared) Atomics.store(i32, this.cancelPtr >> 2, 1);
      else i32[this.cancelPtr >> 2] = 1;
    }
    for (const id of this.inflight.keys()) this.rt.jobs.abort(id);
    for (const close of this.closers) {
      try {
        close();
      } catch {
        // a closer must not stop the others
      }
    }
  }

  /** Throws the run's failure if it has one (operators call it between steps). */
  check() {
    if (this.failure) throw this.failure.error;
  }

  /**
   * Waits for p, or rejects as soon as the run fails. (Not Promise.race against one long-lived
   * promise: every race would leave a reaction on it for the run's whole life.)
   */
  race(p) {
    if (this.failure) {
      p.then(undefined, () => {}); // its own rejection (often the same failure) is not unhandled
      return Promise.reject(this.failure.error);
    }
    return new Promise((resolve, reject) => {
      const onFail = (e) => reject(e);
      this.waiters.add(onFail);
      p.then(
        (v) => {
          this.waiters.delete(onFail);
          resolve(v);
        },
        (e) => {
          this.waiters.delete(onFail);
          reject(e);
        },
      );
    });
  }

  acquire(kind, fn, source, context, label) {
    const d = this.rt.stages.acquire(kind, fn, source, context, label);
    this.descs.push(d);
    return d;
  }

  /** Starts a job (jobs.mjs: start) counted as in flight; resolves to its JobResult. */
  job(desc, items, state, base = 0, batched = false) {
    return this.track(this.rt.jobs.start(desc, items, this.cancelPtr, state, base, batched));
  }

  /** Starts a fused job (fused.mjs) of the chain descs, counted as in flight. */
  fusedJob(descs, items, base, label) {
    return this.track(this.rt.jobs.startFused(descs, items, this.cancelPtr, base, label));
  }

  track({ id, promise }) {
    this.inflight.set(id, true);
    return {
      id,
      promise: promise.then((r) => {
        this.inflight.delete(id);
        if (this.ended) this.maybeRelease();
        return r;
      }),
    };
  }

  /** Ends the run: stops what is in flight, and frees what it holds once that has stopped. */
  end() {
    if (this.ended) return;
    this.ended = true;
    this.rt.runs?.delete(this);
    if (this.signal) this.signal.removeEventListener('abort', this.onAbort);
    if (this.inflight.size) this.stopWork();
    this.maybeRelease();
  }

  // Jobs in flight still read the cancel flag and their stage descriptors: those are freed when
  // the last of them has reported (every job reports, even at shutdown).
  maybeRelease() {
    if (this.inflight.size || !this.cancelPtr) return;
    for (const d of this.descs) this.rt.stages.release(d);
    this.descs = [];
    if (this.rt.native.rt) this.rt.native.free(this.cancelPtr);
    this.cancelPtr = 0;
  }
}

export { STATUS };

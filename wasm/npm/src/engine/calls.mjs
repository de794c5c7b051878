// The operators that call a stage function: map, filter, filterMap, flatMap, inspect, takeWhile,
// skipWhile, scan. Every operator is an object with pull(want) -> Promise<array | null> (a
// chunk of at most about `want` items, or null at the end; a chunk may be empty) and close().
//
// A synchronous function runs in jobs: chunks of items sent to the runtime, which runs each as
// a task on a pool worker (threads build) or in a slice on the host (event-loop build). (Runs of
// map, filter, filterMap and inspect without buffered start here, one CallStage per stage, and
// fuse once every stage made its first call: fused.mjs.) Without buffered, one job runs at a
// time; a job's size starts at one item and grows after every quick job (grownSize), up to a cap,
// but never past what the consumer wants (so `take(10)` after a map calls it about ten times,
// and a long pipeline ends up in large, cheap jobs). With buffered(n) or
// bufferUnordered(n), jobs keep up to n items in flight, each job at most a share of n that
// keeps every worker busy; buffered hands results on in input order, bufferUnordered as jobs end.
//
// The first call of a function that is not declared async runs here, on the host: if it returns
// a promise the stage belongs on the host (where promises settle) and continues there, without
// calling it again. An async function runs on the host from the start: up to n calls at once
// with buffered(n), one at a time without.
import { reviveError, stageError } from '../errors.mjs';
import { Input } from './input.mjs';
import { BIG_PULL } from './sources.mjs';
import { isAsyncFunction } from './stages.mjs';
import { nextTurn } from './turn.mjs';
import { STAGE, STATUS } from './job_layout.mjs';

/**
 * The most items a job takes: a chunk of BIG_PULL (sources.mjs says why no more: its arrays
 * would cost 30 ns an item in V8's large-object space). 8,192 cheap calls take about 50 µs,
 * against a hop to a worker and back of 10-20.
 */
export const MAX_JOB = BIG_PULL;
/**
 * A job whose calls took less than this makes the next one twice as big (up to the cap): the
 * cost of a job (a task, a hop to a worker and back) is then small against its calls, while a
 * job stays short enough that a take() or an abort wastes little.
 */
const GROW_BELOW_MS = 2;

/**
 * The job size after a job of `count` items whose calls took runMs: unchanged after a slow job;
 * after a quick one (full or not: after a filter the chunks a stage gets are smaller than it
 * asked for, and a size that grew only on full jobs would stay at one item and pull its upstream
 * one item at a time too), twice as big, or at once the size whose calls would take half of
 * GROW_BELOW_MS at this job's pace. The size only bounds jobs: a consumer that wants few items
 * still gets jobs of what it wants, so take(10) after a map stays about ten calls.
 */
export function grownSize(size, count, runMs) {
  if (runMs >= GROW_BELOW_MS) return size;
  const pace = runMs / Math.max(1, count); // ms an item
  const fits = pace > 0 ? Math.floor(GROW_BELOW_MS / 2 / pace) : MAX_JOB;
  return Math.min(MAX_JOB, Math.max(size * 2, fits));
}

/** What a stage's output is, given its input items and a job's result. */
function outputOf(kind, items, r) {
  switch (kind) {
    case STAGE.MAP:
    case STAGE.FILTER_MAP:
    case STAGE.FLAT_MAP:
    case STAGE.SCAN:
      return r.items;
    case STAGE.FILTER: {
      const mask = r.mask;
      const out = [];
      for (let i = 0; i < items.length; i++) if (mask[i]) out.push(items[i]);
      return out;
    }
    case STAGE.INSPECT:
      return items;
    default: // fold, forEach: nothing goes on
      return [];
  }
}

/** Throws what a failed job means for the run (and fails the run with it). */
export function failJob(run, desc, base, r) {
  if (r.cancelled || r.status === STATUS.STOPPED) {
    run.check(); // the run failed or was aborted: that is the error
    throw new Error('runtime is closed');
  }
  const item = base + r.done;
  let error;
  if (r.status === STATUS.THENABLE) {
    error = new TypeError(
      `${desc.label} returned a promise for item ${item} after returning plain values, so it ` +
        'ran as a synchronous function, where a promise cannot be awaited: declare it async ' +
        '(async functions run on the host thread, where promises settle)',
    );
  } else if (r.error.codec) {
    error = new TypeError(`${r.error.message}: items must be numbers, strings, booleans, null, undefined, arrays, plain objects or typed arrays`);
  } else {
    error = stageError(desc.label, item, reviveError(r.error));
  }
  run.fail(error);
  throw error;
}

export class CallStage {
  /**
   * up: upstream operator; desc: the stage (StageDesc); window: null (one call at a time) or n;
   * ordered: buffered (true) or bufferUnordered (false); hooks: stage tracing ({ in(n), out(n),
   * inFlight(n) } or null); state: scan's initial accumulator.
   */
  constructor(run, up, desc, { window = null, ordered = true, hooks = null, state } = {}) {
    this.run = run;
    this.desc = desc;
    this.kind = desc.kind;
    this.window = window;
    this.ordered = ordered;
    this.hooks = hooks;
    this.state = state;
    this.size = 1;
    this.base = 0; // stage-input index of the next item taken
    this.input = new Input(run, up);
    this.putBackCount = 0; // items put back in front of the input, already counted in
    this.finished = false; // takeWhile ended the stream
    this.passThrough = false; // skipWhile stopped skipping
    this.mode = isAsyncFunction(desc.fn) ? 'host' : 'probe';
    this.ctx = desc.context;
    // windowed state
    this.queue = []; // entries in input order: { items, base, promise, result, done }
    this.ready = []; // bufferUnordered: finished entries in completion order
    this.inFlight = 0;
    this.pumping = null;
    this.waiter = null;
    this.closed = false;
    run.closers.add(() => this.close());
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.input.close();
  }

  /** Up to max items of input taken at once (no promise), or null: { items, base }. */
  takeLeft(max) {
    const items = this.input.takeLeft(max);
    return items && this.took(items);
  }

  /** Up to max items of input (input.mjs): { items, base }, or null at the end. */
  async takeInput(max) {
    const items = await this.input.take(max);
    return items && this.took(items);
  }

  took(items) {
    const base = this.base;
    this.base += items.length;
    // An item put back was counted in when first taken: not again.
    const counted = Math.min(this.putBackCount, items.length);
    this.putBackCount -= counted;
    if (items.length > counted) this.hooks?.in(items.length - counted);
    return { items, base };
  }

  /** Puts an item just taken back in front of the input (probe: its call moves to the host). */
  putBack(item, base) {
    this.input.putBack(item);
    this.base = base;
    this.putBackCount++;
  }

  /** Upstream ended. */
  get upDone() {
    return this.input.done;
  }

  async pull(want) {
    this.run.check();
    if (this.finished || this.closed) return null;
    if (this.passThrough) {
      const c = await this.takeInput(want);
      if (!c) return null;
      this.hooks?.out(c.items.length);
      return c.items;
    }
    if (this.mode === 'probe') return this.probe(want);
    if (this.window) return this.mode === 'host' ? this.pullHostWindowed(want) : this.pullWindowed();
    return this.mode === 'host' ? this.pullHost(want) : this.pullSequential(want);
  }

  // ---- the first call, on the host ----
  async probe(want) {
    const c = await this.takeInput(1);
    if (!c) return null;
    const rest = this.kind === STAGE.SCAN || this.kind === STAGE.FOLD ? this.state : undefined;
    const r = this.run.rt.jobs.runHere(this.desc, c.items, this.run.cancelPtr, rest, c.base);
    if (r.status === STATUS.THENABLE) {
      // It returns promises: it belongs on the host. Its first promise is item 0's result.
      this.mode = 'host';
      const p = this.run.rt.native.runner.takeThenable();
      this.firstHost = { item: c.items[0], base: c.base, promise: p };
      // The item goes back to the input: the host's first call for it is the one just made.
      this.putBack(c.items[0], c.base);
      return this.pull(want);
    }
    this.mode = 'worker';
    return this.finishJob(c, r);
  }

  /** Turns a job's result into output (or failure), updating the stage's state. */
  finishJob(c, r) {
    if (r.cancelled || r.status !== STATUS.OK) failJob(this.run, this.desc, c.base, r);
    let out;
    if (this.kind === STAGE.TAKE_WHILE) {
      out = r.done < c.items.length ? c.items.slice(0, r.done) : c.items;
      if (r.done < c.items.length) {
        this.finished = true;
        this.close();
      }
    } else if (this.kind === STAGE.SKIP_WHILE) {
      out = r.done < c.items.length ? c.items.slice(r.done) : [];
      if (r.done < c.items.length) this.passThrough = true;
    } else {
      out = outputOf(this.kind, c.items, r);
      if (this.kind === STAGE.SCAN || this.kind === STAGE.FOLD) this.state = r.state;
    }
    this.hooks?.out(out.length);
    return out;
  }

  // ---- one job at a time ----
  async pullSequential(want) {
    for (;;) {
      const c = await this.takeInput(Math.min(this.size, Math.max(1, want)));
      if (!c) return null;
      const state = this.kind === STAGE.SCAN || this.kind === STAGE.FOLD ? this.state : undefined;
      const job = this.run.job(this.desc, c.items, state, c.base);
      this.hooks?.inFlight(c.items.length);
      const r = await this.run.race(job.promise);
      this.hooks?.inFlight(0);
      this.grow(c, r);
      const out = this.finishJob(c, r);
      if (out.length || this.finished) return out;
      // A chunk that filtered to nothing: go on with the next instead of handing back nothing.
    }
  }

  grow(c, r) {
    this.size = grownSize(this.size, c.items.length, r.runMs);
  }

  // ---- up to `window` items in flight ----
  /**
   * The size of a job under buffered(n): a share of the window that gives every worker two jobs
   * (so that none waits while another ends), straight away: the window says how many items may
   * be in flight, and a job of many items costs one hop where items one by one would cost one
   * each.
   */
  jobSize() {
    const workers = Math.max(1, this.run.rt.workers);
    return Math.max(1, Math.min(MAX_JOB, Math.floor(this.window / (2 * workers))));
  }

  signal() {
    const w = this.waiter;
    this.waiter = null;
    if (w) w();
  }

  changed() {
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** Keeps the window full while the run lives and input lasts; one pump at a time. */
  pump() {
    if (this.pumping || this.upDone || this.closed || !this.run.live) return;
    if (this.window - this.inFlight < Math.min(this.jobSize(), this.window) && this.queue.length > 0) return;
    // The token is set before the loop runs: a loop that ends without awaiting must not leave
    // `pumping` set to a finished pump.
    const token = {};
    this.pumping = token;
    (async () => {
      try {
        while (!this.closed && this.run.live) {
          // Only whole jobs while others run: a window refilled an item at a time would send
          // one-item jobs for ever.
          const room = this.window - this.inFlight;
          const size = this.jobSize();
          if (room <= 0 || (room < size && this.queue.length > 0)) break;
          const c = await this.takeInput(Math.min(size, room));
          if (!c) break;
          this.startEntry(c);
        }
      } catch (e) {
        this.run.fail(e);
      } finally {
        if (this.pumping === token) this.pumping = null;
        this.signal();
      }
    })();
  }

  startEntry(c) {
    const entry = { items: c.items, base: c.base, result: null, done: false };
    this.inFlight += c.items.length;
    this.hooks?.inFlight(this.inFlight);
    const job = this.run.job(this.desc, c.items, undefined, c.base, true);
    entry.id = job.id;
    job.promise.then((r) => {
      entry.result = r;
      entry.done = true;
      this.grow(c, r);
      if (!this.ordered) this.ready.push(entry);
      this.signal();
    });
    this.queue.push(entry);
  }

  take(entry) {
    this.inFlight -= entry.items.length;
    this.hooks?.inFlight(this.inFlight);
    const out = this.finishJob(entry, entry.result);
    this.pump();
    return out;
  }

  async pullWindowed() {
    for (;;) {
      this.run.check();
      this.pump();
      if (this.ordered) {
        const head = this.queue[0];
        if (head && head.done) {
          this.queue.shift();
          const out = this.take(head);
          if (out.length) return out;
          continue;
        }
      } else if (this.ready.length) {
        const e = this.ready.shift();
        this.queue.splice(this.queue.indexOf(e), 1);
        const out = this.take(e);
        if (out.length) return out;
        continue;
      }
      if (this.queue.length === 0 && !this.pumping && (this.upDone || this.closed)) return null;
      await this.run.race(this.changed());
    }
  }

  // ---- on the host: async functions ----
  /** Calls the function for one item; a promise of its settled value. */
  callHost(item, base) {
    const fn = this.desc.compiled();
    if (this.firstHost && this.firstHost.base === base) {
      const p = this.firstHost.promise;
      this.firstHost = null;
      return Promise.resolve(p);
    }
    try {
      const acc = this.kind === STAGE.SCAN || this.kind === STAGE.FOLD;
      return Promise.resolve(acc ? fn(this.state, item, this.ctx) : fn(item, this.ctx));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Applies one settled result of item (at base) to the output list. */
  applyHost(out, item, base, v) {
    switch (this.kind) {
      case STAGE.MAP:
        out.push(v);
        break;
      case STAGE.FILTER:
        if (v) out.push(item);
        break;
      case STAGE.FILTER_MAP:
        if (v !== undefined) out.push(v);
        break;
      case STAGE.FLAT_MAP:
        if (v == null || typeof v[Symbol.iterator] !== 'function') {
          throw stageError(this.desc.label, base, new TypeError(`returned ${v === null ? 'null' : typeof v} where flatMap needs an array or an iterable`));
        }
        for (const x of v) out.push(x);
        break;
      case STAGE.INSPECT:
        out.push(item);
        break;
      case STAGE.SCAN:
        this.state = v;
        out.push(v);
        break;
      case STAGE.FOLD:
        this.state = v;
        break;
      default: // forEach
        break;
    }
  }

  hostFailure(base, e) {
    const error = e instanceof Error && e.name === 'WeirStageError' ? e : stageError(this.desc.label, base, e);
    this.run.fail(error);
    return error;
  }

  /** One call at a time (no buffered): up to `want` items per pull. */
  async pullHost(want) {
    const c = await this.takeInput(Math.max(1, Math.min(want, 64)));
    if (!c) return null;
    const out = [];
    for (let i = 0; i < c.items.length; i++) {
      this.run.check();
      let v;
      try {
        v = await this.run.race(this.callHost(c.items[i], c.base + i));
      } catch (e) {
        if (this.run.failure) throw this.run.failure.error;
        throw this.hostFailure(c.base + i, e);
      }
      if (this.kind === STAGE.TAKE_WHILE) {
        if (!v) {
          this.finished = true;
          this.close();
          break;
        }
        out.push(c.items[i]);
        continue;
      }
      if (this.kind === STAGE.SKIP_WHILE) {
        if (!v) {
          this.passThrough = true;
          for (let j = i; j < c.items.length; j++) out.push(c.items[j]);
          break;
        }
        continue;
      }
      this.applyHost(out, c.items[i], c.base + i, v);
    }
    this.hooks?.out(out.length);
    return out;
  }

  /** Up to `window` calls at once on the host; in input order or as they settle. */
  async pullHostWindowed() {
    if (!this.hostQ) {
      this.hostQ = []; // { item, base, settled, ok, value } in input order
      this.hostReady = []; // unordered: settled ones
      this.hostIn = 0;
      this.hostPending = null; // input chunk being started
      this.hostFailed = false; // a call rejected: no new call starts (the run fails with it)
    }
    const out = [];
    let gathered = false;
    for (;;) {
      this.run.check();
      // Start calls while the window has room, and no call has failed: a rejection settled
      // while this pull waited (for the turn's end, below) must stop the calls before the
      // settle pass throws it.
      while (this.hostIn < this.window && !this.closed && !this.hostFailed) {
        if (!this.hostPending || this.hostPending.at >= this.hostPending.items.length) {
          this.hostPending = null;
          if (this.hostFetch) break;
          const c = this.takeLeft(this.window - this.hostIn);
          if (c) {
            this.hostPending = { items: c.items, base: c.base, at: 0 };
            continue;
          }
          if (this.upDone) break;
          // Fetch input without blocking results that are already there.
          this.hostFetch = this.takeInput(this.window - this.hostIn).then(
            (c) => {
              this.hostFetch = null;
              this.hostPending = c ? { items: c.items, base: c.base, at: 0 } : null;
              this.signal();
            },
            (e) => {
              this.hostFetch = null;
              this.run.fail(e);
              this.signal();
            },
          );
          break;
        }
        const p = this.hostPending;
        const e = { item: p.items[p.at], base: p.base + p.at, settled: false, ok: true, value: undefined };
        p.at++;
        this.hostIn++;
        this.hostQ.push(e);
        this.callHost(e.item, e.base).then(
          (v) => {
            e.settled = true;
            e.value = v;
            if (!this.ordered) this.hostReady.push(e);
            this.signal();
          },
          (err) => {
            e.settled = true;
            e.ok = false;
            e.value = err;
            this.hostFailed = true;
            if (!this.ordered) this.hostReady.push(e);
            this.signal();
          },
        );
      }
      this.hooks?.inFlight(this.hostIn);
      // Hand on what has settled (a run of them, in order, or all that settled). A failed call
      // behind results not yet handed on waits for the next pull: the results before it go on
      // first, as when each was handed on alone, and the next pull throws it.
      let failedNext = false;
      if (this.ordered) {
        while (this.hostQ.length && this.hostQ[0].settled) {
          if (!this.hostQ[0].ok && out.length) {
            failedNext = true;
            break;
          }
          this.settleHost(out, this.hostQ.shift());
        }
      } else {
        while (this.hostReady.length) {
          if (!this.hostReady[0].ok && out.length) {
            failedNext = true;
            break;
          }
          const e = this.hostReady.shift();
          this.hostQ.splice(this.hostQ.indexOf(e), 1);
          this.settleHost(out, e);
        }
      }
      if (out.length) {
        // Calls still in flight often settle in the same turn of the event loop (a batch of
        // timers or I/O completions, each its own macrotask): wait for the turn's end once and
        // hand them all on together. Handing on each alone cost a pull through every stage and
        // the consumer per item: 100,000 items of one setImmediate hop each under buffered(100)
        // took 2.5 µs an item, against p-map's 1.5. (The window refills meanwhile.)
        if (!gathered && !failedNext && !this.hostFailed && this.hostQ.length > 0) {
          gathered = true;
          await this.run.race(nextTurn());
          continue;
        }
        this.hooks?.out(out.length);
        return out;
      }
      if (this.hostQ.length === 0 && !this.hostFetch && this.upDone &&
          (!this.hostPending || this.hostPending.at >= this.hostPending.items.length)) {
        return null;
      }
      await this.run.race(this.changed());
    }
  }

  settleHost(out, e) {
    this.hostIn--;
    if (!e.ok) throw this.hostFailure(e.base, e.value);
    this.applyHost(out, e.item, e.base, e.value);
  }
}

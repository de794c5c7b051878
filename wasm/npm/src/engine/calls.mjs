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
//
// The modes live in files of their own: windowed_calls.mjs (buffered on the workers) and
// host_calls.mjs (functions on the host); job sizes in job_size.mjs, what a job's result means
// in job_results.mjs. Here: the stage itself, its input, its first call and one job at a time.
import { Input } from './input.mjs';
import { HostCalls } from './host_calls.mjs';
import { failJob, outputOf } from './job_results.mjs';
import { grownSize } from './job_size.mjs';
import { isAsyncFunction } from './stages.mjs';
import { WindowedCalls } from './windowed_calls.mjs';
import { STAGE, STATUS } from './job_layout.mjs';

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

  // ---- waiting for what is in flight (both windowed modes) ----
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
}

// The modes' methods become CallStage's own, as if written in the class above: non-enumerable,
// on its prototype, so a stage is one object whatever its mode and a call is one lookup.
for (const mode of [WindowedCalls, HostCalls]) {
  for (const name of Object.getOwnPropertyNames(mode.prototype)) {
    if (name === 'constructor') continue;
    if (Object.hasOwn(CallStage.prototype, name)) throw new Error(`CallStage.${name} is defined twice`);
    Object.defineProperty(CallStage.prototype, name, Object.getOwnPropertyDescriptor(mode.prototype, name));
  }
}

// A chain of consecutive synchronous, stateless stages without a window (map, filter, filterMap,
// inspect: `.map(f).filter(g)`) run as one operator: a job calls the whole chain on each item in
// turn (fused_loop.mjs), so items cross to a worker and back once for the chain, and jobs run on
// every worker at once. What a user sees is what the stages one by one give: the same items in
// the same order, the same errors naming the same stage and item, the same trace counts.
//
// The first call of each stage runs on the host, one item at a time, as a lone stage's does
// (calls.mjs): one that returns a promise belongs on the host. Then the chain falls back to one
// CallStage per stage, in the state the calls so far left it, and goes on as if never fused.
//
// Jobs: up to one per worker in flight (two when the consumer wants everything), handed on in
// input order. Together they take no more input than the consumer wants (take(10) after a fused
// map calls it about ten times), each at most its share of that, and a job's size grows from one
// item as in calls.mjs.
import { CallStage, failJob, outputOf } from './calls.mjs';
import { Input } from './input.mjs';
import { STATUS } from './job_layout.mjs';
import { BIG_PULL } from './sources.mjs';

/** The most items a job takes (calls.mjs says why), and the run time below which it doubles. */
const MAX_JOB = BIG_PULL;
const GROW_BELOW_MS = 2;

export class FusedStage {
  /** stages: [{ desc, hooks }], in pipeline order; up: the operator before the chain. */
  constructor(run, up, stages) {
    this.run = run;
    this.stages = stages;
    this.descs = stages.map((s) => s.desc);
    // The jobs' task name in traces: the stages' labels (one stage() name for a chain inside it).
    this.label = [...new Set(this.descs.map((d) => d.label))].join(' + ');
    this.input = new Input(run, up);
    this.bases = stages.map(() => 0); // per stage: the stage-input index of its next item
    this.called = stages.map(() => false); // per stage: its first call (on the host) was made
    this.probing = true;
    this.fallback = null; // the CallStage chain, once a stage returned a promise
    this.queue = []; // jobs in flight, in input order: { count, promise }
    this.queued = 0; // input items in those jobs
    this.size = 1;
    this.closed = false;
    run.closers.add(() => this.close());
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.input.close();
  }

  async pull(want) {
    this.run.check();
    if (this.fallback) return this.fallback.pull(want);
    if (this.closed) return null;
    if (this.probing) {
      const out = await this.probe(want);
      if (out !== undefined) return out;
    }
    return this.pullJobs(want);
  }

  /**
   * Items one at a time through the chain on the host until every stage made its first call.
   * Returns a chunk (or null at the end) when an item got through, or undefined when the
   * probing is over and jobs take on.
   */
  async probe(want) {
    const jobs = this.run.rt.jobs;
    for (;;) {
      const items = await this.input.take(1);
      if (!items) return null;
      let chunk = items;
      for (let k = 0; k < this.stages.length && chunk.length; k++) {
        const desc = this.descs[k];
        const base = this.bases[k];
        const r = jobs.runHere(desc, chunk, this.run.cancelPtr, undefined, base);
        if (r.status === STATUS.THENABLE) return this.fallBack(k, chunk[0]).pull(want);
        this.stages[k].hooks?.in(1);
        this.bases[k]++;
        if (r.cancelled || r.status !== STATUS.OK) failJob(this.run, desc, base, r);
        chunk = outputOf(desc.kind, chunk, r);
        this.stages[k].hooks?.out(chunk.length);
        this.called[k] = true;
      }
      if (this.called.every(Boolean)) this.probing = false;
      if (chunk.length) return chunk;
      if (!this.probing) return undefined;
    }
  }

  /**
   * Stage k returned a promise for item (its first call): the chain goes on as CallStages.
   * Those before k made their first call (they run on workers); k runs on the host, starting
   * with the promise just returned; those after k have not been called yet.
   */
  fallBack(k, item) {
    const promise = this.run.rt.native.runner.takeThenable();
    let op = null;
    for (let j = 0; j < this.stages.length; j++) {
      const s = new CallStage(this.run, op ?? this.input.up, this.descs[j], { hooks: this.stages[j].hooks });
      if (j === 0) s.input = this.input; // what is left of the chunk being read
      s.base = this.bases[j];
      if (this.called[j]) s.mode = 'worker';
      if (j === k) {
        s.mode = 'host';
        s.firstHost = { item, base: this.bases[j], promise };
        s.putBack(item, this.bases[j]);
      }
      op = s;
    }
    this.fallback = op;
    return op;
  }

  /**
   * Jobs, while the consumer wants more than those in flight take. A consumer that wants
   * everything (a pull of BIG_PULL: collect, count, fold) gets two jobs per worker in flight, so
   * a worker that ends one finds the next already there instead of waiting for this thread to
   * see the end and send another: the round trip is longer than a job of cheap calls.
   */
  async pullJobs(want) {
    const workers = Math.max(1, this.run.rt.workers);
    const all = want >= BIG_PULL;
    const depth = all ? 2 * workers : workers;
    const limit = all ? depth * MAX_JOB : Math.max(1, want);
    const share = all ? MAX_JOB : Math.max(1, Math.ceil(want / workers));
    for (;;) {
      this.run.check();
      while (!this.closed && this.queue.length < depth && this.queued < limit) {
        const items = await this.input.takeSpan(Math.min(this.size, share, limit - this.queued));
        if (!items) break;
        this.start(items);
      }
      const head = this.queue[0];
      if (!head) return null;
      const r = await this.run.race(head.promise);
      this.queue.shift();
      this.queued -= head.count;
      this.stages[0].hooks?.inFlight(this.queued);
      this.grow(head.count, r);
      const out = this.finish(r);
      if (out.length) return out;
      if (this.closed) return null;
    }
  }

  /**
   * After a job whose calls were quick: twice the size, or at once the size whose calls would
   * take half of GROW_BELOW_MS at this job's pace (the size only bounds jobs: a consumer that
   * wants few items still gets jobs of its share, so take(10) after a map stays about ten calls).
   */
  grow(count, r) {
    if (r.runMs >= GROW_BELOW_MS) return;
    const pace = r.runMs / Math.max(1, count); // ms an item
    const fits = pace > 0 ? Math.floor(GROW_BELOW_MS / 2 / pace) : MAX_JOB;
    this.size = Math.min(MAX_JOB, Math.max(this.size * 2, fits));
  }

  start(items) {
    const job = this.run.fusedJob(this.descs, items, this.bases[0] + this.queued, this.label);
    this.queue.push({ count: items.length, promise: job.promise });
    this.queued += items.length;
    this.stages[0].hooks?.inFlight(this.queued);
  }

  /** A job's items out, its counts added to every stage's; or the failure it means. */
  finish(r) {
    if (!r.cancelled && (r.status === STATUS.ERROR || r.status === STATUS.THENABLE)) {
      const k = r.failStage;
      const item = this.bases[k] + r.counts[k] - 1;
      if (r.error.name === 'WeirRefused') {
        r.error.message = `${this.descs[k].label} returned, for item ${item}, a value that ${r.error.message}`;
      }
      failJob(this.run, this.descs[k], this.bases[k], { ...r, done: r.counts[k] - 1 });
    }
    if (r.cancelled || r.status !== STATUS.OK) failJob(this.run, this.descs[0], this.bases[0], r);
    const m = this.stages.length;
    for (let k = 0; k < m; k++) {
      const hooks = this.stages[k].hooks;
      const taken = r.counts[k];
      this.bases[k] += taken;
      if (hooks) {
        hooks.in(taken);
        hooks.out(k + 1 < m ? r.counts[k + 1] : r.items.length);
      }
    }
    return r.items;
  }
}

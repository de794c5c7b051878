// A chain of consecutive synchronous, stateless stages without a window (map, filter, filterMap,
// inspect: `.map(f).filter(g)`) run as one operator: a job calls the whole chain on each item in
// turn (fused_loop.mjs), so items cross to a worker and back once for the chain, and jobs run on
// every worker at once. What a user sees is what the stages one by one give: the same items in
// the same order, the same errors naming the same stage and item, the same trace counts.
//
// Until every stage of the chain has made its first call, the chain runs as one CallStage per
// stage (calls.mjs), each finding out as a lone stage does whether its function returns promises
// (then it runs on the host, and the chain is never fused). Once all run on workers, the chain
// fuses: it takes over the first stage's input and each stage's count of items taken, and the
// items the CallStages had taken from their upstream but not yet called go first, each through
// the rest of the chain (a job of the chain's suffix).
//
// Jobs: up to one per worker in flight (two when the consumer wants everything), handed on in
// input order. Together they take no more input than the consumer wants (take(10) after a fused
// map calls it about ten times), each at most its share of that, and a job's size grows from one
// item as in calls.mjs (job_size.mjs).
import { CallStage } from './calls.mjs';
import { failJob } from './job_results.mjs';
import { grownSize, MAX_JOB } from './job_size.mjs';
import { STATUS } from './job_layout.mjs';
import { BIG_PULL } from './sources.mjs';

export class FusedStage {
  /** stages: [{ desc, hooks }], in pipeline order; up: the operator before the chain. */
  constructor(run, up, stages) {
    this.run = run;
    this.stages = stages;
    this.descs = stages.map((s) => s.desc);
    // The jobs' task name in traces: the stages' labels (one stage() name for a chain inside it).
    this.label = [...new Set(this.descs.map((d) => d.label))].join(' + ');
    let op = up;
    this.calls = stages.map((s) => (op = new CallStage(run, op, s.desc, { hooks: s.hooks })));
    this.fused = false;
    this.input = null; // once fused: the first stage's input
    this.bases = null; // once fused, per stage: the stage-input index of its next item
    this.queue = []; // jobs in flight, in input order: { count, promise, from }
    this.queued = 0; // items of the chain's input in those jobs
    this.size = 1;
    this.closed = false;
    run.closers.add(() => this.close());
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.calls[this.calls.length - 1].close(); // closes the chain up to its source
  }

  async pull(want) {
    this.run.check();
    if (this.closed) return null;
    if (!this.fused) {
      if (!this.calls.every((c) => c.mode === 'worker')) return this.calls[this.calls.length - 1].pull(want);
      this.fuse();
    }
    return this.pullJobs(want);
  }

  /**
   * From CallStages to fused jobs. A CallStage after the first may hold items it took from the
   * one before but has not called yet: those go through the rest of the chain first, the last
   * stage's first (they are the furthest along, so the earliest in the stream's order).
   */
  fuse() {
    this.fused = true;
    this.input = this.calls[0].input;
    this.bases = this.calls.map((c) => c.base);
    this.size = Math.max(1, ...this.calls.map((c) => c.size));
    for (let k = this.calls.length - 1; k >= 1; k--) {
      const left = this.calls[k].input.takeLeft(Infinity);
      if (left) this.start(left, k);
    }
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
      if (head.from === 0) this.size = grownSize(this.size, head.count, r.runMs);
      const out = this.finish(r, head.from);
      if (out.length) return out;
      if (this.closed) return null;
    }
  }

  /** A job of the chain from stage `from` on (0: the whole chain) over items. */
  start(items, from = 0) {
    const descs = from === 0 ? this.descs : this.descs.slice(from);
    const job = this.run.fusedJob(descs, items, from === 0 ? this.bases[0] + this.queued : this.bases[from], this.label);
    this.queue.push({ count: from === 0 ? items.length : 0, promise: job.promise, from });
    if (from === 0) this.queued += items.length;
    this.stages[0].hooks?.inFlight(this.queued);
  }

  /** A job's items out, its counts added to its stages'; or the failure it means. */
  finish(r, from) {
    if (!r.cancelled && (r.status === STATUS.ERROR || r.status === STATUS.THENABLE)) {
      const k = from + r.failStage;
      const item = this.bases[k] + r.counts[r.failStage] - 1;
      if (r.error.name === 'WeirRefused') {
        r.error.message = `${this.descs[k].label} returned, for item ${item}, a value that${r.error.message}`;
      }
      failJob(this.run, this.descs[k], this.bases[k], { ...r, done: r.counts[r.failStage] - 1 });
    }
    if (r.cancelled || r.status !== STATUS.OK) failJob(this.run, this.descs[from], this.bases[from], r);
    const m = this.stages.length;
    for (let k = from; k < m; k++) {
      const hooks = this.stages[k].hooks;
      const taken = r.counts[k - from];
      this.bases[k] += taken;
      if (hooks) {
        hooks.in(taken);
        hooks.out(k + 1 < m ? r.counts[k + 1 - from] : r.items.length);
      }
    }
    return r.items;
  }
}

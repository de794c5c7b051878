// CallStage's mode for a synchronous function under buffered(n) or bufferUnordered(n): jobs
// keep up to n items in flight at once, across the workers, and results are handed on in input
// order (buffered) or as jobs end (bufferUnordered). A pump refills the window with whole jobs
// (a share of n that gives every worker two), never an item at a time, so the window does not
// decay into one-item jobs.
//
// These are methods of CallStage (calls.mjs copies them onto its prototype): they share its
// state and its input, and the stage switches between modes (a probe, then this) without
// changing object. A class of their own keeps them in one place, named after their mode.
import { MAX_JOB } from './job_size.mjs';

export class WindowedCalls {
  // ---- up to `window` items in flight ----
  /**
   * The size of a job under buffered(n): a share of the window that gives every worker two jobs
   * (so that none waits while another ends), straight away: the window says how many items may
   * be in flight, and a job of many items costs one hop where items one by one would cost one
   * each.
   */
  jobSize() {
    const workers = Math.max(1, this.run.rt.workers);
    const share = Math.max(1, Math.min(MAX_JOB, Math.floor(this.window / (2 * workers))));
    // In the event-loop build every call runs on this thread, and a job is a stretch nothing
    // interrupts: no timer, no abort, no other work of the page or process runs meanwhile (a
    // window of 100 calls of 20 ms held the thread for 2 s). There a job's size follows the
    // stage's measured pace as one job at a time does (grownSize: it grows only while jobs
    // stay quick), so the runtime's slices stay short.
    return this.run.rt.native.backend === 'event-loop' ? Math.min(share, this.size) : share;
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
}

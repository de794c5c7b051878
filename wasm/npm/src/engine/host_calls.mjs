// CallStage's mode for functions that run on the host thread, where promises settle: async
// functions from the start, and synchronous ones whose first call (the probe, calls.mjs)
// returned a promise. Without a window, one call at a time; under buffered(n) or
// bufferUnordered(n), up to n calls in flight, their results handed on in input order or as
// they settle, gathered over a turn of the event loop (pullHostWindowed says why).
//
// These are methods of CallStage (calls.mjs copies them onto its prototype): they share its
// state and its input, and a stage moves here from its probe without changing object.
import { stageError } from '../errors.mjs';
import { STAGE } from './job_layout.mjs';
import { ITEM_KINDS } from './job_results.mjs';
import { nextTurn } from './turn.mjs';

export class HostCalls {
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
    const t = typeof v;
    const passedOn = this.kind === STAGE.MAP || this.kind === STAGE.FILTER_MAP || this.kind === STAGE.SCAN || this.kind === STAGE.FOLD;
    if ((t === 'function' || t === 'symbol') && passedOn) {
      // What a synchronous stage may not return either (job_results.mjs), whether or not the
      // item would ever cross to a worker: the contract is the same in both builds.
      const acc = this.kind === STAGE.SCAN || this.kind === STAGE.FOLD;
      const what = acc ? 'as its accumulator' : `for item ${base}`;
      throw new TypeError(`${this.desc.label} returned, ${what}, a value that is a ${t}: ${ITEM_KINDS}`);
    }
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

// The operators that reshape a stream without calling user functions: take, skip, chunks,
// enumerate, timeout, and stage (a name around a part of the pipeline, for errors and traces).
// They run on the host, on chunks. Interface as calls.mjs: pull(want), close().
import { WeirTimeoutError } from '../errors.mjs';

export class Take {
  constructor(up, n) {
    this.up = up;
    this.left = n;
  }
  async pull(want) {
    if (this.left <= 0) return null;
    const c = await this.up.pull(Math.min(want, this.left));
    if (c === null) return null;
    if (c.length >= this.left) {
      const out = c.length === this.left ? c : c.slice(0, this.left);
      this.left = 0;
      this.up.close(); // what is in flight upstream is no longer wanted
      return out;
    }
    this.left -= c.length;
    return c;
  }
  close() {
    this.left = 0;
    this.up.close();
  }
}

export class Skip {
  constructor(run, up, n) {
    this.run = run;
    this.up = up;
    this.left = n;
  }
  /** Passes items through without calling user code: as free to read ahead as its source. */
  get readAheadFree() {
    return this.up.readAheadFree === true;
  }
  async pull(want) {
    for (;;) {
      const c = await this.up.pull(this.left > 0 ? Math.max(want, this.left) : want);
      if (c === null) return null;
      if (this.left === 0) return c;
      if (c.length <= this.left) {
        this.left -= c.length;
        // Skipping may take many pulls that settle as microtasks (skip(1e15) over a range): the
        // event loop gets its turns meanwhile (Run.breathe).
        const t = this.run.breathe();
        if (t) await t;
        continue;
      }
      const out = c.slice(this.left);
      this.left = 0;
      return out;
    }
  }
  close() {
    this.up.close();
  }
}

export class Chunks {
  constructor(run, up, n) {
    this.run = run;
    this.up = up;
    this.n = n;
    this.partial = [];
    this.ended = false;
  }
  async pull(want) {
    if (this.ended) return null;
    const out = [];
    while (out.length < Math.max(1, want)) {
      const c = await this.up.pull(this.n * Math.max(1, want) - this.partial.length);
      if (c === null) {
        this.ended = true;
        if (this.partial.length) out.push(this.partial);
        this.partial = [];
        break;
      }
      for (const x of c) {
        this.partial.push(x);
        if (this.partial.length === this.n) {
          out.push(this.partial);
          this.partial = [];
        }
      }
      const t = this.run.breathe(); // a chunk of millions of items takes many pulls
      if (t) await t;
    }
    return out.length || !this.ended ? out : null;
  }
  close() {
    this.up.close();
  }
}

export class Enumerate {
  constructor(up) {
    this.up = up;
    this.i = 0;
  }
  /** Passes items through without calling user code: as free to read ahead as its source. */
  get readAheadFree() {
    return this.up.readAheadFree === true;
  }
  async pull(want) {
    const c = await this.up.pull(want);
    if (c === null) return null;
    const out = new Array(c.length);
    for (let k = 0; k < c.length; k++) out[k] = [this.i++, c[k]];
    return out;
  }
  close() {
    this.up.close();
  }
}

/** Fails with a TimeoutError when upstream takes longer than ms to give the next chunk. */
export class Timeout {
  constructor(run, up, ms) {
    this.run = run;
    this.up = up;
    this.ms = ms;
  }
  async pull(want) {
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new WeirTimeoutError(`no item came within ${this.ms} ms (timeout(${this.ms}))`)), this.ms);
    });
    try {
      // One item at a time: the timeout is per item, as in tokio-stream.
      return await Promise.race([this.up.pull(1), late]);
    } catch (e) {
      this.run.fail(e);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }
  close() {
    this.up.close();
  }
}

/** Counts items in and out of a named part of the pipeline (stage(name, build)). */
export class StageBounds {
  constructor(up, name, trace) {
    this.up = up;
    this.name = name;
    this.trace = trace; // (kind, name, count) => void, or null when tracing is off
    this.inCount = 0;
  }
  /** The operator at the stage's entry: counts what the stage takes in. */
  entry() {
    const self = this;
    return {
      async pull(want) {
        const c = await self.up.pull(want);
        if (c !== null && c.length) {
          self.inCount += c.length;
          self.trace?.(0, self.name, self.inCount);
        }
        return c;
      },
      close() {
        self.up.close();
      },
    };
  }
}

export class StageExit {
  constructor(up, bounds) {
    this.up = up;
    this.bounds = bounds;
    this.outCount = 0;
  }
  async pull(want) {
    const c = await this.up.pull(want);
    if (c !== null && c.length) {
      this.outCount += c.length;
      this.bounds.trace?.(1, this.bounds.name, this.outCount);
    }
    return c;
  }
  close() {
    this.up.close();
  }
}

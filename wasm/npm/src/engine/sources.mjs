// Where a pipeline's items come from (rt.iter): a range of numbers, an array or typed array
// (sliced), a synchronous iterable or an async iterable (pulled lazily: at most what was asked
// for, so take(10) over an endless source reads 10 plus the window). Operators' interface:
// pull(want) -> Promise<array | null>, close() (calls.mjs).

/** The most items one pull gives when the consumer wants everything. */
export const BIG_PULL = 1 << 16;

export class RangeSource {
  constructor(start, end) {
    this.next = start;
    this.end = end;
  }
  async pull(want) {
    if (this.next >= this.end) return null;
    const n = Math.min(want, BIG_PULL, this.end - this.next);
    const out = new Array(Math.ceil(n));
    let v = this.next;
    for (let i = 0; i < out.length; i++) out[i] = v++;
    this.next = v;
    return out;
  }
  close() {
    this.next = this.end;
  }
}

export class ArraySource {
  constructor(items) {
    this.items = items; // an array or a typed array
    this.at = 0;
  }
  async pull(want) {
    if (this.at >= this.items.length) return null;
    const n = Math.min(want, BIG_PULL, this.items.length - this.at);
    const a = this.items;
    const out = Array.isArray(a) ? a.slice(this.at, this.at + n) : Array.from(a.subarray(this.at, this.at + n));
    this.at += n;
    return out;
  }
  close() {
    this.at = this.items.length;
  }
}

export class IterableSource {
  constructor(iterable) {
    this.iterable = iterable;
    this.it = null;
    this.done = false;
  }
  async pull(want) {
    if (this.done) return null;
    if (!this.it) this.it = this.iterable[Symbol.iterator]();
    const out = [];
    const n = Math.min(want, BIG_PULL);
    while (out.length < n) {
      const r = this.it.next();
      if (r.done) {
        this.done = true;
        break;
      }
      out.push(r.value);
    }
    return out.length || !this.done ? out : null;
  }
  close() {
    if (this.done) return;
    this.done = true;
    try {
      this.it?.return?.();
    } catch {
      // the iterator's cleanup failed: nothing to hand it to
    }
  }
}

export class AsyncIterableSource {
  constructor(iterable) {
    this.iterable = iterable;
    this.it = null;
    this.done = false;
  }
  async pull(want) {
    if (this.done) return null;
    if (!this.it) this.it = this.iterable[Symbol.asyncIterator]();
    const out = [];
    const n = Math.min(want, BIG_PULL);
    while (out.length < n) {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        break;
      }
      out.push(r.value);
    }
    return out.length || !this.done ? out : null;
  }
  close() {
    if (this.done) return;
    this.done = true;
    try {
      const p = this.it?.return?.();
      if (p && typeof p.catch === 'function') p.catch(() => {});
    } catch {
      // as above
    }
  }
}

// Where a pipeline's items come from (rt.iter): a range of numbers, an array or typed array
// (sliced), a synchronous iterable or an async iterable (pulled lazily: at most what was asked
// for, so take(10) over an endless source reads 10 plus the window). Operators' interface:
// pull(want) -> Promise<array | null>, close() (calls.mjs).

/**
 * The most items one pull gives when the consumer wants everything. Kept under 16,384: V8 puts
 * an array of that many elements or more (128 KiB and up) in its large-object space, where, on
 * Node 20 here, making and collecting one costs about 30 ns an element against 0.5-2 ns for an
 * 8,192-element one (a slice, or an array filled from a Float64Array, measured in a loop). With
 * 65,536-item chunks, the pipe benchmark spent half its host time there.
 */
export const BIG_PULL = 1 << 13;

export class RangeSource {
  /** Reading ahead of what was asked changes nothing a user sees (calls.mjs, takeInput). */
  get readAheadFree() {
    return true;
  }

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

/**
 * Items at..at+length of an array or typed array, not copied out: what a fused job (fused.mjs)
 * takes from an ArraySource, whose items it writes straight into wasm memory.
 */
export class Span {
  constructor(array, at, length) {
    this.array = array;
    this.at = at;
    this.length = length;
  }

  /** The items as an array of their own. */
  toArray() {
    const a = this.array;
    if (Array.isArray(a)) return a.slice(this.at, this.at + this.length);
    const out = new Array(this.length); // a typed array's numbers (not Array.from: it walks an iterator)
    for (let k = 0; k < this.length; k++) out[k] = a[this.at + k];
    return out;
  }
}

export class ArraySource {
  /** Reading ahead of what was asked changes nothing a user sees (calls.mjs, takeInput). */
  get readAheadFree() {
    return true;
  }

  constructor(items) {
    this.items = items; // an array or a typed array
    this.at = 0;
  }
  async pull(want) {
    const s = this.span(want);
    return s && s.toArray();
  }

  /** Up to max items (at most BIG_PULL) as a Span, or null at the end. */
  span(max) {
    if (this.at >= this.items.length) return null;
    const n = Math.min(max, BIG_PULL, this.items.length - this.at);
    const s = new Span(this.items, this.at, n);
    this.at += n;
    return s;
  }
  close() {
    this.at = this.items.length;
  }
}

/** One-shot iterators (a generator is its own iterator) that a run has started. */
const started = new WeakSet();

/**
 * iterable[method](), refused when it is an iterator an earlier run already started: a second
 * run of a stream over a generator found it spent and gave nothing, silently (an empty collect).
 * Arrays, sets and other re-iterable objects make a new iterator each time and run again.
 */
function iteratorOf(iterable, method) {
  const it = iterable[method]();
  if (it !== null && (typeof it === 'object' || typeof it === 'function')) {
    if (started.has(it)) {
      throw new Error(
        "iter(): this stream's source is a one-shot iterator (a generator, say) that an earlier " +
          'run of the stream already used, so it has nothing more to give; make the stream again ' +
          'from a new iterator, or give iter() an array or another object that can be iterated again',
      );
    }
    started.add(it);
  }
  return it;
}

export class IterableSource {
  constructor(iterable) {
    this.iterable = iterable;
    this.it = null;
    this.done = false;
  }
  async pull(want) {
    if (this.done) return null;
    if (!this.it) this.it = iteratorOf(this.iterable, Symbol.iterator);
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

/** Resolves after a few turns of the microtask queue: an async iterator's next() for an item it
 *  already has settles within them; one that waits for something (a timer, I/O) does not. */
function microtaskTurns(n = 8) {
  return new Promise((resolve) => {
    const step = () => (--n <= 0 ? resolve(NOT_YET) : queueMicrotask(step));
    queueMicrotask(step);
  });
}
const NOT_YET = Symbol('not yet');

export class AsyncIterableSource {
  constructor(iterable) {
    this.iterable = iterable;
    this.it = null;
    this.done = false;
    this.next = null; // a next() asked for and not yet taken
  }
  /**
   * Waits for the first item, then takes the ones that are there already, up to `want`: a
   * source that makes items slowly hands each on as it comes (merge and timeout see them in
   * time), one that has them ready fills the chunk.
   */
  async pull(want) {
    if (this.done) return null;
    if (!this.it) this.it = iteratorOf(this.iterable, Symbol.asyncIterator);
    const out = [];
    const n = Math.min(want, BIG_PULL);
    while (out.length < n) {
      const p = this.next ?? this.it.next();
      this.next = null;
      const r = out.length === 0 ? await p : await Promise.race([p, microtaskTurns()]);
      if (r === NOT_YET) {
        this.next = p; // the next pull takes it
        break;
      }
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

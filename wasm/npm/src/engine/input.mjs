// The input of an operator that calls stage functions (calls.mjs, fused.mjs): the upstream
// operator, and a cursor over the last chunk it gave. A chunk is read through the cursor, not
// sliced down: a window refilled one item at a time from a 65,536-item chunk copied the rest
// each time. A source that reading ahead cannot change (an array, a range: `up.readAheadFree`)
// is asked for a whole chunk even when few items are wanted, so a window that refills an item at
// a time takes it from the chunk without a pull, a promise and a wake each.
import { BIG_PULL } from './sources.mjs';

export class Input {
  constructor(run, up) {
    this.run = run;
    this.up = up;
    this.chunk = null; // the last upstream chunk, read from `at` on
    this.at = 0;
    this.done = false; // upstream ended
  }

  /** Up to max items of what is left of the last chunk, at once (no promise), or null. */
  takeLeft(max) {
    const left = this.chunk;
    if (!left || this.at >= left.length) return null;
    const items = this.at === 0 && left.length <= max ? left : left.slice(this.at, this.at + max);
    this.at += items.length;
    if (this.at >= left.length) {
      this.chunk = null;
      this.at = 0;
    }
    return items;
  }

  /** Up to max items: what is left of the last chunk, or the next one; null at the end. */
  async take(max) {
    while (!this.chunk) {
      if (this.done) return null;
      const ask = this.up.readAheadFree ? BIG_PULL : Math.max(max, 1);
      const chunk = await this.run.race(this.up.pull(ask));
      if (chunk === null) {
        this.done = true;
        return null;
      }
      if (chunk.length) {
        this.chunk = chunk;
        this.at = 0;
      }
    }
    return this.takeLeft(max);
  }

  /**
   * As take, but from an array source with nothing left over, a Span of the source's own array
   * (sources.mjs) instead of a copy: a fused job writes those items straight into wasm memory.
   */
  async takeSpan(max) {
    if (this.chunk || this.done || typeof this.up.span !== 'function') return this.take(max);
    this.run.check();
    const s = this.up.span(max);
    if (s === null) this.done = true;
    return s;
  }

  /** Puts an item just taken back in front. */
  putBack(item) {
    if (this.chunk && this.at > 0) this.chunk[--this.at] = item;
    else this.chunk = this.chunk ? [item, ...this.chunk.slice(this.at)] : [item];
    if (this.at === 0 && this.chunk.length === 0) this.chunk = null;
  }

  close() {
    this.up.close();
  }
}

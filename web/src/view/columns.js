// Growable columns of numbers (typed arrays that double when full): the view keeps tens of
// thousands of polls a second in these, never in one object per event, so that the garbage
// collector has nothing to chase while a run is drawn.

export class Columns {
  /** names: the column names; each is a Float64Array, reached as this.<name>. */
  constructor(names, capacity = 1024) {
    this.names = names;
    this.length = 0;
    this.capacity = capacity;
    for (const n of names) this[n] = new Float64Array(capacity);
  }

  /** Makes room for one more row; returns its index. */
  push() {
    if (this.length === this.capacity) {
      this.capacity *= 2;
      for (const n of this.names) {
        const a = new Float64Array(this.capacity);
        a.set(this[n]);
        this[n] = a;
      }
    }
    return this.length++;
  }

  clear() {
    this.length = 0;
  }
}

/** The first index i in [0, n) with a[i] >= x (a sorted ascending), or n. */
export function lowerBound(a, n, x) {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

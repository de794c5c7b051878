// Operators over several streams: zip (pairs, both sides pulled at once), chain (one after the
// other) and merge (items as they come, from any number of streams: a.merge(b).merge(c) is one
// three-way merge, and a ready side is taken in turn, so equal streams share it equally). The
// other streams run in the same run: one failure or abort ends them all.
import { BIG_PULL } from './sources.mjs';

export class Zip {
  constructor(a, b) {
    this.sides = [a, b];
    this.buf = [[], []];
    this.done = [false, false]; // the side gave its last item (its buffer may still hold some)
    this.ended = false;
    // How many items a pull may ask of each side: at first 1, then twice what the other side
    // gave last (up to BIG_PULL). Neither side knows how long the other is, so a zip asked for
    // everything (collect) read a chunk of 8,192 items from an endless async source to pair it
    // with 5; a grant that simply doubled still read that much beside a slow or filtered side.
    // Now about twice what the other side gives, and a few extra pulls for two long sides.
    this.grant = [1, 1];
  }
  async pull(want) {
    if (this.ended) return null;
    // Pull both sides at once, each for what it lacks.
    const got = [0, 0];
    await Promise.all(
      this.sides.map(async (s, i) => {
        const need = Math.max(1, Math.min(want, this.grant[i]));
        if (this.done[i] || this.buf[i].length >= need) return;
        const c = await s.pull(need - this.buf[i].length);
        if (c === null) this.done[i] = true;
        else {
          got[i] = c.length;
          for (const x of c) this.buf[i].push(x);
        }
      }),
    );
    for (let i = 0; i < 2; i++) {
      this.grant[1 - i] = Math.min(BIG_PULL, Math.max(this.grant[1 - i], 2 * got[i]));
    }
    const n = Math.min(this.buf[0].length, this.buf[1].length);
    const out = new Array(n);
    for (let k = 0; k < n; k++) out[k] = [this.buf[0][k], this.buf[1][k]];
    this.buf[0] = this.buf[0].slice(n);
    this.buf[1] = this.buf[1].slice(n);
    // The zip ends when a side that ended has nothing left to pair; before, it ended as soon as
    // a side did, dropping what the other side had yet to give for that side's buffered items.
    if ((this.done[0] && this.buf[0].length === 0) || (this.done[1] && this.buf[1].length === 0)) {
      this.ended = true;
      this.close();
    }
    return n || !this.ended ? out : null;
  }
  close() {
    for (const s of this.sides) s.close();
  }
}

export class Chain {
  constructor(a, b) {
    this.sides = [a, b];
    this.at = 0;
  }
  async pull(want) {
    while (this.at < this.sides.length) {
      const c = await this.sides[this.at].pull(want);
      if (c !== null) return c;
      this.at++;
    }
    return null;
  }
  close() {
    for (const s of this.sides) s.close();
  }
}

export class Merge {
  constructor(sides) {
    this.sides = sides.map((op) => ({ op, pending: null, ended: false }));
    this.turn = 0;
  }
  async pull(want) {
    for (;;) {
      const live = this.sides.filter((s) => !s.ended);
      if (live.length === 0) return null;
      for (const s of live) {
        if (!s.pending) {
          s.pending = s.op.pull(want).then(
            (c) => ({ s, c }),
            (e) => ({ s, e }),
          );
        }
      }
      // Whichever is ready first; among several ready at once, the next in turn.
      const first = await Promise.race(live.map((s) => s.pending));
      const { s, c, e } = await this.pickInTurn(live, first);
      s.pending = null;
      if (e) throw e;
      if (c === null) {
        s.ended = true;
        continue;
      }
      return c;
    }
  }
  /** Of the sides whose pulls have settled, the first at or after the turn (round robin). */
  async pickInTurn(live, first) {
    const settled = await Promise.all(
      live.map((s) => Promise.race([s.pending, Promise.resolve(null)])),
    );
    const n = this.sides.length;
    for (let k = 0; k < n; k++) {
      const idx = (this.turn + k) % n;
      const side = this.sides[idx];
      const j = live.indexOf(side);
      if (j >= 0 && settled[j]) {
        this.turn = (idx + 1) % n;
        return settled[j];
      }
    }
    return first;
  }
  close() {
    for (const s of this.sides) s.op.close();
  }
}

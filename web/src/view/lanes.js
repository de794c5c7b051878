// The swimlanes of the view: one per worker and one for the host thread. In each, a poll is a
// bar coloured by its task's stage, a parked stretch a thin grey band, the worker's queue depth
// (sampled by poll_begin) a line along the bottom, and on the host lane each job spawned is a
// tick. Steals are yellow triangles on the thief's lane with a line from the victim's lane;
// cross-worker wakes are red lines from the waker's lane to the woken task's lane.
//
// Drawing cost is bounded by the screen, not by the run: each lane's polls are found by binary
// search over the visible time range (they are sorted by start, and so by end), bars that meet
// within a pixel merge, and bars are batched by colour into one path per colour per frame.
import { lowerBound } from './columns.js';
import { COLORS } from './colors.js';

const HOST_WEIGHT = 0.6; // the host lane's height, in worker lanes

/**
 * The first row of spans (polls or parks: start and end columns, sorted) that ends at or after
 * t. The last row may still be open (end -1, ending at the latest time): it is searched apart.
 */
function firstEndingAfter(spans, t) {
  const n = spans.length;
  const open = n > 0 && spans.end[n - 1] < 0;
  return lowerBound(spans.end, open ? n - 1 : n, t);
}

/** Rectangles grouped by colour, in reused typed arrays (no allocation per frame). */
class RectBatch {
  constructor() {
    this.buckets = new Map(); // color -> { xs: Float32Array (x, y, w, h)*, n }
  }

  add(color, x, y, w, h) {
    let b = this.buckets.get(color);
    if (!b) {
      b = { xs: new Float32Array(4096), n: 0 };
      this.buckets.set(color, b);
    }
    if (b.n * 4 + 4 > b.xs.length) {
      const bigger = new Float32Array(b.xs.length * 2);
      bigger.set(b.xs);
      b.xs = bigger;
    }
    const o = b.n * 4;
    b.xs[o] = x;
    b.xs[o + 1] = y;
    b.xs[o + 2] = w;
    b.xs[o + 3] = h;
    b.n++;
  }

  flush(ctx) {
    for (const [color, b] of this.buckets) {
      if (b.n === 0) continue;
      ctx.fillStyle = color;
      ctx.beginPath();
      for (let i = 0; i < b.n; i++) {
        const o = i * 4;
        ctx.rect(b.xs[o], b.xs[o + 1], b.xs[o + 2], b.xs[o + 3]);
      }
      ctx.fill();
      b.n = 0;
    }
  }
}

export class LanesPainter {
  constructor() {
    this.batch = new RectBatch();
    this.stageColor = []; // stage id -> colour, cached per run
  }

  reset() {
    this.stageColor = [];
  }

  colorOf(model, colors, id) {
    let c = this.stageColor[id];
    if (c === undefined) {
      c = id >= 0 ? colors.of(model.names[id]) : COLORS.noStage;
      if (id >= 0) this.stageColor[id] = c;
    }
    return c;
  }

  /** The y range of lane i: { y, h } within the lanes' rect (the host's lane is lower). */
  laneBox(rect, n, i) {
    const unit = rect.h / (n - 1 + HOST_WEIGHT);
    if (i === 0) return { y: rect.y, h: unit * HOST_WEIGHT };
    return { y: rect.y + unit * (HOST_WEIGHT + i - 1), h: unit };
  }

  /** The lane at height y, or -1. */
  laneAt(rect, n, y) {
    if (y < rect.y || y >= rect.y + rect.h) return -1;
    const unit = rect.h / (n - 1 + HOST_WEIGHT);
    const u = (y - rect.y) / unit;
    return u < HOST_WEIGHT ? 0 : Math.min(n - 1, 1 + Math.floor(u - HOST_WEIGHT));
  }

  /**
   * Draws every lane into rect (x: the label gutter's left; plot from tl.x0); returns the
   * number of polls drawn per lane in `drawn` (an array it fills).
   */
  draw(ctx, model, colors, tl, rect, drawn) {
    const lanes = model.lanes;
    const n = lanes.length;
    const t0 = tl.t0;
    const t1 = tl.t1;
    const pxMs = tl.msPerPx;
    const right = tl.x0 + tl.w;
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    for (let li = 0; li < n; li++) {
      const lane = lanes[li];
      const { y, h } = this.laneBox(rect, n, li);
      ctx.fillStyle = li % 2 ? COLORS.laneB : COLORS.laneA;
      ctx.fillRect(rect.x, y, right - rect.x, h);
      ctx.fillStyle = COLORS.text;
      ctx.fillText(lane.name, rect.x + 6, y + h * 0.4);
      if (li > 0 && lane.depth.length) {
        ctx.fillStyle = COLORS.depth;
        ctx.fillText(`queue ${lane.lastDepth}`, rect.x + 6, y + h * 0.4 + 13);
      }
      const barY = y + 3;
      const barH = Math.max(3, h * 0.62 - 3);

      // Parked stretches.
      const parks = lane.parks;
      let i = firstEndingAfter(parks, t0);
      for (; i < parks.length; i++) {
        const s = parks.start[i];
        if (s > t1) break;
        const e = model.endOf(parks.end[i]);
        const x0 = Math.max(tl.x(s), tl.x0);
        const x1 = Math.min(tl.x(e), right);
        if (x1 - x0 >= 1) this.batch.add(COLORS.park, x0, barY + barH / 2 - 1, x1 - x0, 2);
      }

      // Polls: from the first that ends at or after t0 to the first that starts after t1.
      const polls = lane.polls;
      let count = 0;
      i = firstEndingAfter(polls, t0);
      let curColor = null;
      let cx0 = 0;
      let cx1 = -1;
      for (; i < polls.length; i++) {
        const s = polls.start[i];
        if (s > t1) break;
        const e = model.endOf(polls.end[i]);
        count++;
        const color = this.colorOf(model, colors, polls.stage[i]);
        let x0 = (s - t0) / pxMs + tl.x0;
        let x1 = (e - t0) / pxMs + tl.x0;
        if (x0 < tl.x0) x0 = tl.x0;
        if (x1 > right) x1 = right;
        if (x1 - x0 < 1) x1 = x0 + 1; // every poll shows
        // Merge with the bar being built when it touches it (within a pixel) and has its colour.
        if (color === curColor && x0 <= cx1 + 1) {
          if (x1 > cx1) cx1 = x1;
          continue;
        }
        if (curColor !== null) this.batch.add(curColor, cx0, barY, cx1 - cx0, barH);
        curColor = color;
        cx0 = x0 < cx1 ? Math.min(cx1, x1 - 1) : x0; // do not paint over the previous bar
        cx1 = x1;
      }
      if (curColor !== null) this.batch.add(curColor, cx0, barY, cx1 - cx0, barH);
      drawn[li] = count;

      // Host lane: a tick per job spawned (merged per pixel).
      if (li === 0) {
        const ticks = lane.ticks;
        let last = -1;
        for (let k = lowerBound(ticks.ts, ticks.length, t0); k < ticks.length; k++) {
          const ts = ticks.ts[k];
          if (ts > t1) break;
          const x = Math.floor(tl.x(ts));
          if (x === last) continue;
          last = x;
          this.batch.add(this.colorOf(model, colors, ticks.stage[k]), x, barY + barH * 0.25, 1, barH * 0.5);
          drawn[li]++;
        }
      }
    }
    this.batch.flush(ctx);

    // Queue depth lines, per worker lane, scaled to the deepest queue seen on screen.
    ctx.strokeStyle = COLORS.depth;
    ctx.lineWidth = 1;
    for (let li = 1; li < n; li++) {
      const d = lanes[li].depth;
      if (!d.length) continue;
      const { y, h } = this.laneBox(rect, n, li);
      const base = y + h - 3;
      const top = y + h * 0.66;
      let k = Math.max(0, lowerBound(d.ts, d.length, t0) - 1);
      let max = 1;
      for (let j = k; j < d.length && d.ts[j] <= t1; j++) if (d.depth[j] > max) max = d.depth[j];
      // A step line: each sample holds until the next.
      const yOf = (depth) => base - (depth / max) * (base - top);
      ctx.beginPath();
      let lastY = yOf(d.depth[k]);
      ctx.moveTo(tl.x0, lastY);
      for (; k < d.length; k++) {
        const ts = d.ts[k];
        if (ts > t1) break;
        const x = Math.max(tl.x(ts), tl.x0);
        const yk = yOf(d.depth[k]);
        if (yk === lastY) continue;
        ctx.lineTo(x, lastY);
        ctx.lineTo(x, yk);
        lastY = yk;
      }
      ctx.lineTo(Math.min(tl.x(model.endTs), right), lastY);
      ctx.stroke();
    }

    this.drawMarks(ctx, model, tl, rect, n);
  }

  drawMarks(ctx, model, tl, rect, n) {
    const m = model.marks;
    const right = tl.x0 + tl.w;
    const mid = (lane) => {
      const { y, h } = this.laneBox(rect, n, lane);
      return y + h * 0.35;
    };
    // Steals: a line from the victim's lane and a triangle on the thief's; wakes: a line.
    ctx.lineWidth = 1;
    for (const kind of [1, 0]) {
      ctx.strokeStyle = kind === 0 ? COLORS.steal : COLORS.wake;
      ctx.fillStyle = COLORS.steal;
      ctx.beginPath();
      let lastX = -10;
      let lastKey = -1;
      for (let i = 0; i < m.length; i++) {
        if (m.kind[i] !== kind) continue;
        const ts = m.ts[i];
        if (ts < tl.t0 || ts > tl.t1) continue;
        const x = tl.x(ts);
        if (x < tl.x0 || x > right) continue;
        const key = m.from[i] * 64 + m.to[i];
        if (x - lastX < 2 && key === lastKey) continue; // one mark per pixel and pair of lanes
        lastX = x;
        lastKey = key;
        const from = m.from[i] < n ? mid(m.from[i]) : null;
        const to = mid(m.to[i]);
        if (from !== null) {
          ctx.moveTo(x, from);
          ctx.lineTo(x, to);
        }
        if (kind === 0) {
          ctx.moveTo(x - 4, to - 6);
          ctx.lineTo(x + 4, to - 6);
          ctx.lineTo(x, to);
          ctx.lineTo(x - 4, to - 6);
        }
      }
      ctx.stroke();
      if (kind === 0) ctx.fill();
    }
  }

  /** The poll under (x, y), or null: { lane, index }. */
  hit(model, tl, rect, x, y) {
    const n = model.lanes.length;
    if (x < tl.x0) return null;
    const li = this.laneAt(rect, n, y);
    const lane = model.lanes[li];
    if (!lane) return null;
    const polls = lane.polls;
    const slack = 2 * tl.msPerPx; // two pixels either side
    const ts = tl.ts(x);
    let i = firstEndingAfter(polls, ts - slack);
    let best = null;
    let bestD = Infinity;
    for (; i < polls.length && polls.start[i] <= ts + slack; i++) {
      const s = polls.start[i];
      const e = model.endOf(polls.end[i]);
      const d = ts < s ? s - ts : ts > e ? ts - e : 0;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    return best === null ? null : { lane: li, index: best };
  }
}

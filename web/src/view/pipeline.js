// The pipeline row of the view: the stages of the run's pipeline left to right (from the
// trace's 'pipeline' event: each stage function's name, op, window and order), each with its
// items in and out (stage_in / stage_out running totals), its throughput (items out per second
// over the last second) and, for a buffered stage, its calls in flight against its window
// (stage_in_flight / window).
//
// A stage() holding several stage functions appears once per function in the 'pipeline' event
// under the same name, and its counts come from each function and from the stage's bounds
// under that one name: such entries are merged into one box and the largest count is shown.
import { K } from '../runner/protocol.js';
import { COLORS } from './colors.js';

const RATE_WINDOW_MS = 1000;
const SAMPLES = 64;

class StageStats {
  constructor(name) {
    this.name = name;
    this.ops = [];
    this.window = null;
    this.ordered = true;
    this.in = 0;
    this.out = 0;
    this.inFlight = 0;
    this.maxInFlight = 0;
    // (ts, out) samples for the throughput, a ring.
    this.sampleTs = new Float64Array(SAMPLES);
    this.sampleOut = new Float64Array(SAMPLES);
    this.samples = 0;
  }

  sample(ts) {
    const i = this.samples % SAMPLES;
    // One sample per 50 ms is plenty for a one-second rate.
    const last = (this.samples - 1) % SAMPLES;
    if (this.samples > 0 && ts - this.sampleTs[last] < 50) {
      this.sampleOut[last] = this.out;
      return;
    }
    this.sampleTs[i] = ts;
    this.sampleOut[i] = this.out;
    this.samples++;
  }

  /** Items out per second over the last second before now (ms). */
  rate(now) {
    const n = Math.min(this.samples, SAMPLES);
    if (n < 2) return 0;
    let oldest = -1;
    for (let k = 0; k < n; k++) {
      const i = (this.samples - 1 - k) % SAMPLES;
      if (now - this.sampleTs[i] > RATE_WINDOW_MS) break;
      oldest = i;
    }
    const latest = (this.samples - 1) % SAMPLES;
    if (oldest < 0 || oldest === latest) return 0;
    const dt = Math.max(now, this.sampleTs[latest]) - this.sampleTs[oldest];
    return dt > 0 ? ((this.sampleOut[latest] - this.sampleOut[oldest]) * 1000) / dt : 0;
  }
}

export class PipelineModel {
  constructor() {
    this.reset();
  }

  reset() {
    this.stages = new Map(); // name -> StageStats
    this.order = []; // names, left to right
    this.pipelines = 0;
  }

  stage(name) {
    let s = this.stages.get(name);
    if (!s) {
      s = new StageStats(name);
      this.stages.set(name, s);
      if (!this.order.includes(name)) this.order.push(name);
    }
    return s;
  }

  /** A pipeline started: its stages become the row (a later pipeline replaces the row). */
  pipeline(stages) {
    this.pipelines++;
    const names = [];
    for (const st of stages) {
      const s = this.stage(st.name);
      if (!names.includes(st.name)) {
        names.push(st.name);
        s.ops = [];
        s.window = null;
      }
      s.ops.push(st.op);
      if (st.window != null) s.window = Math.max(s.window ?? 0, st.window);
      s.ordered = st.ordered;
    }
    this.order = names;
  }

  stageEvent(kind, name, count, ts) {
    if (name === undefined) return;
    const s = this.stage(name);
    if (kind === K.stage_in) s.in = Math.max(s.in, count);
    else if (kind === K.stage_out) {
      s.out = Math.max(s.out, count);
      s.sample(ts);
    } else if (kind === K.stage_in_flight) {
      s.inFlight = count;
      if (count > s.maxInFlight) s.maxInFlight = count;
    }
  }

  /** Plain numbers for the test hook. */
  snapshot() {
    return this.order.map((n) => {
      const s = this.stages.get(n);
      return { name: n, ops: s.ops, window: s.window, in: s.in, out: s.out, inFlight: s.inFlight, maxInFlight: s.maxInFlight };
    });
  }
}

const fitted = new Map(); // `${width}|${font}|${text}` -> the text cut to fit (measuring is slow)

/** text, cut with an ellipsis to fit width in ctx's font. */
function fit(ctx, text, width) {
  const key = `${width}|${ctx.font}|${text}`;
  let f = fitted.get(key);
  if (f === undefined) {
    f = cut(ctx, text, width);
    if (fitted.size > 2000) fitted.clear();
    fitted.set(key, f);
  }
  return f;
}

function cut(ctx, text, width) {
  if (ctx.measureText(text).width <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= width) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}

const fmt = new Intl.NumberFormat('en-US');

/** Draws the row into rect { x, y, w, h }; now: the time the rates are taken at. */
export function drawPipeline(ctx, model, colors, rect, now, running) {
  const names = model.order;
  ctx.fillStyle = COLORS.dim;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  if (names.length === 0) {
    ctx.fillText(running ? 'pipeline: waiting for a stream to run…' : 'pipeline: (no stream ran)', rect.x + 8, rect.y + 8);
    return;
  }
  const gap = 18;
  const boxW = Math.min(230, (rect.w - 16 - gap * (names.length - 1)) / names.length);
  const boxH = rect.h - 12;
  let x = rect.x + 8;
  const y = rect.y + 6;
  for (let i = 0; i < names.length; i++) {
    const s = model.stages.get(names[i]);
    ctx.fillStyle = COLORS.box;
    ctx.fillRect(x, y, boxW, boxH);
    ctx.strokeStyle = colors.of(s.name);
    ctx.lineWidth = 2;
    ctx.strokeRect(x + 1, y + 1, boxW - 2, boxH - 2);
    const tw = boxW - 14;
    ctx.fillStyle = colors.of(s.name);
    ctx.fillRect(x + 6, y + 7, 8, 8);
    ctx.fillStyle = COLORS.text;
    ctx.font = 'bold 11px system-ui, sans-serif';
    ctx.fillText(fit(ctx, s.name, tw - 12), x + 18, y + 6);
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = COLORS.dim;
    const kind = s.ops.join(' + ') || 'stage';
    const win = s.window != null ? ` · ${s.ordered ? 'buffered' : 'bufferUnordered'}(${s.window})` : '';
    ctx.fillText(fit(ctx, kind + win, tw), x + 6, y + 21);
    ctx.fillStyle = COLORS.text;
    ctx.fillText(fit(ctx, `in ${fmt.format(s.in)} → out ${fmt.format(s.out)}`, tw), x + 6, y + 35);
    ctx.fillText(fit(ctx, `${fmt.format(Math.round(s.rate(now)))} items/s`, tw), x + 6, y + 49);
    if (s.window != null) {
      // In flight against the window.
      const bw = boxW - 12;
      ctx.fillStyle = COLORS.dim;
      ctx.fillText(fit(ctx, `${s.inFlight}/${s.window} in flight (max ${s.maxInFlight})`, tw), x + 6, y + 63);
      ctx.fillStyle = COLORS.window;
      ctx.fillRect(x + 6, y + 79, bw, 7);
      ctx.fillStyle = colors.of(s.name);
      ctx.fillRect(x + 6, y + 79, Math.min(1, s.inFlight / s.window) * bw, 7);
    }
    if (i + 1 < names.length) {
      const ax = x + boxW + 3;
      const ay = y + boxH / 2;
      ctx.strokeStyle = COLORS.dim;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(ax, ay);
      ctx.lineTo(ax + gap - 6, ay);
      ctx.moveTo(ax + gap - 10, ay - 4);
      ctx.lineTo(ax + gap - 6, ay);
      ctx.lineTo(ax + gap - 10, ay + 4);
      ctx.stroke();
    }
    x += boxW + gap;
  }
}

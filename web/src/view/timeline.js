// The time axis of the view: which stretch of the run is on screen, and the ways to move it.
// While a run is on, the axis follows its latest events (the last `span` milliseconds); when it
// ends, it shows the whole run. Then the wheel zooms around the pointer, dragging pans, and a
// double click shows the whole run again (dragging during a run stops the following until the
// run ends or a double click). Times are milliseconds since the runtime started.

const MIN_SPAN = 0.05; // 50 µs across the whole width
const FOLLOW_SPAN = 2000;

export class Timeline {
  constructor() {
    this.x0 = 0; // the plot's left edge and width in CSS pixels (set by the view's layout)
    this.w = 1;
    this.reset();
  }

  reset() {
    this.t0 = 0;
    this.t1 = FOLLOW_SPAN;
    this.span = FOLLOW_SPAN;
    this.follow = true;
    this.end = 0; // the run's latest time
  }

  setPlot(x0, w) {
    this.x0 = x0;
    this.w = Math.max(1, w);
  }

  /** The run's latest time moved (while running) or the run ended (final). */
  update(end, running) {
    this.end = end;
    if (this.follow && running) {
      this.t1 = Math.max(end, this.span);
      this.t0 = this.t1 - this.span;
    }
  }

  /** Shows the whole run. */
  fit() {
    this.follow = false;
    const pad = Math.max(this.end * 0.01, 0.1);
    this.t0 = -pad;
    this.t1 = this.end + pad;
  }

  x(ts) {
    return this.x0 + ((ts - this.t0) / (this.t1 - this.t0)) * this.w;
  }

  ts(x) {
    return this.t0 + ((x - this.x0) / this.w) * (this.t1 - this.t0);
  }

  /** Milliseconds per CSS pixel. */
  get msPerPx() {
    return (this.t1 - this.t0) / this.w;
  }

  zoom(factor, atX, running) {
    const at = this.ts(atX);
    const span = Math.min(Math.max((this.t1 - this.t0) * factor, MIN_SPAN), Math.max(this.end * 4, 10_000));
    if (this.follow && running) {
      this.span = span;
      this.update(this.end, running);
      return;
    }
    const f = (atX - this.x0) / this.w;
    this.t0 = at - span * f;
    this.t1 = this.t0 + span;
  }

  pan(dx) {
    this.follow = false;
    const d = dx * this.msPerPx;
    this.t0 -= d;
    this.t1 -= d;
  }

  /** Draws the axis (ticks and labels) along rect's top edge and grid lines up to gridTop. */
  draw(ctx, rect, gridTop, colors) {
    const span = this.t1 - this.t0;
    const target = span / Math.max(2, rect.w / 110); // about one label per 110 px
    const pow = 10 ** Math.floor(Math.log10(target));
    const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= target) ?? 10 * pow;
    const first = Math.ceil(this.t0 / step) * step;
    ctx.font = '10px system-ui, sans-serif';
    ctx.textBaseline = 'top';
    ctx.textAlign = 'center';
    ctx.strokeStyle = colors.grid;
    ctx.lineWidth = 1;
    ctx.globalAlpha = 0.6;
    ctx.beginPath();
    for (let t = first; t <= this.t1; t += step) {
      const x = Math.round(this.x(t)) + 0.5;
      ctx.moveTo(x, gridTop);
      ctx.lineTo(x, rect.y + 4);
    }
    ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.fillStyle = colors.dim;
    const digits = Math.max(0, -Math.floor(Math.log10(step)));
    for (let t = first; t <= this.t1; t += step) {
      ctx.fillText(`${t.toFixed(Math.min(digits, 3))} ms`, this.x(t), rect.y + 6);
    }
    ctx.textAlign = 'left';
  }
}

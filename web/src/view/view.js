// The live view: one canvas holding the pipeline row (pipeline.js) at the top, the swimlanes
// (lanes.js) in the middle and the time axis (timeline.js) at the bottom. Trace batches are
// only stored when they arrive (trace_model.js); drawing happens once per animation frame
// (requestAnimationFrame), never per event or per batch: every frame while a run is on, and
// afterwards only when something moved (a zoom, a pan, the pointer over a bar, a resize).
//
// window.weirView (main.js) exposes stats(): what was drawn per lane, the frames drawn, and
// the frame rate and event rate of the last run, for the tests and for the curious.
import { COLORS, StageColors } from './colors.js';
import { LanesPainter } from './lanes.js';
import { PipelineModel, drawPipeline } from './pipeline.js';
import { Timeline } from './timeline.js';
import { TraceModel } from './trace_model.js';

const PIPELINE_H = 104;
const AXIS_H = 22;
const GUTTER = 84;

export class LiveView {
  constructor(canvas, tooltip) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { alpha: false });
    this.tooltip = tooltip;
    this.model = new TraceModel();
    this.pipeline = new PipelineModel();
    this.colors = new StageColors();
    this.lanes = new LanesPainter();
    this.timeline = new Timeline();
    this.running = false;
    this.dirty = true;
    this.hover = null;
    this.drawn = [];
    this.frames = 0; // every frame drawn since the page loaded
    this.run = null; // the last run's figures (stats())
    this.cssW = 0;
    this.cssH = 0;
    new ResizeObserver(() => this.resize()).observe(canvas.parentElement);
    this.resize();
    this.listen();
    const frame = (now) => {
      this.frame(now);
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  resize() {
    const parent = this.canvas.parentElement;
    const w = Math.max(200, parent.clientWidth);
    const h = Math.max(150, parent.clientHeight);
    const dpr = window.devicePixelRatio || 1;
    this.cssW = w;
    this.cssH = h;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(h * dpr);
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.timeline.setPlot(GUTTER, w - GUTTER - 8);
    this.dirty = true;
  }

  lanesRect() {
    return { x: 0, y: PIPELINE_H, w: this.cssW, h: this.cssH - PIPELINE_H - AXIS_H };
  }

  // ---- a run ----

  startRun({ workers }) {
    this.model.reset(workers);
    this.pipeline.reset();
    this.colors.reset();
    this.lanes.reset();
    this.timeline.reset();
    this.hover = null;
    this.tooltip.hidden = true;
    this.running = true;
    this.dirty = true;
    this.run = {
      startedAt: performance.now(),
      firstFrame: 0,
      lastFrame: 0,
      frames: 0,
      drawMs: 0,
      worstGap: 0,
      batches: 0,
      // While batches arrive: when the first and the last came, and the frames drawn by then.
      firstBatchAt: 0,
      lastBatchAt: 0,
      framesAtFirstBatch: 0,
      framesAtLastBatch: 0,
    };
  }

  /** A trace batch from the runner (protocol.js). */
  addBatch(msg) {
    for (const p of msg.pipelines) this.pipeline.pipeline(p.stages);
    this.model.ingest(msg.events, msg.names, this.pipeline);
    const r = this.run;
    if (r) {
      const now = performance.now();
      if (r.batches++ === 0) {
        r.firstBatchAt = now;
        r.framesAtFirstBatch = r.frames;
        r.eventsAtFirstBatch = this.model.events;
      }
      r.lastBatchAt = now;
      r.framesAtLastBatch = r.frames;
    }
    this.dirty = true;
  }

  endRun() {
    if (!this.running) return;
    this.running = false;
    this.model.finish();
    this.timeline.update(this.model.endTs, false);
    this.timeline.fit();
    const r = this.run;
    r.endedAt = performance.now();
    this.dirty = true;
  }

  // ---- drawing ----

  frame(now) {
    if (!this.running && !this.dirty) return;
    const t = performance.now();
    this.timeline.update(this.model.endTs, this.running);
    this.draw();
    this.dirty = false;
    this.frames++;
    const r = this.run;
    if (r && this.running) {
      if (r.frames === 0) r.firstFrame = now;
      else r.worstGap = Math.max(r.worstGap, now - r.lastFrame);
      r.lastFrame = now;
      r.frames++;
      r.drawMs += performance.now() - t;
    }
  }

  draw() {
    const { ctx, cssW: w, cssH: h } = this;
    ctx.fillStyle = COLORS.background;
    ctx.fillRect(0, 0, w, h);
    const rect = this.lanesRect();
    drawPipeline(ctx, this.pipeline, this.colors, { x: 0, y: 0, w, h: PIPELINE_H }, this.model.endTs, this.running);
    this.drawn.length = this.model.lanes.length;
    this.drawn.fill(0);
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, rect.y, w, rect.h);
    ctx.clip();
    this.lanes.draw(ctx, this.model, this.colors, this.timeline, rect, this.drawn);
    this.drawHover(ctx, rect);
    ctx.restore();
    this.timeline.draw(ctx, { x: 0, y: rect.y + rect.h, w, h: AXIS_H }, rect.y, COLORS);
    if (!this.running && this.model.events === 0) {
      ctx.fillStyle = COLORS.dim;
      ctx.font = '12px system-ui, sans-serif';
      ctx.textBaseline = 'middle';
      ctx.fillText('Press Run (Ctrl+Enter): each worker\u2019s polls appear here as the pipeline runs.', GUTTER, rect.y + rect.h / 2);
    }
  }

  drawHover(ctx, rect) {
    const hv = this.hover;
    if (!hv) return;
    const lane = this.model.lanes[hv.lane];
    const polls = lane?.polls;
    if (!polls || hv.index >= polls.length) return;
    const { y, h } = this.lanes.laneBox(rect, this.model.lanes.length, hv.lane);
    const x0 = this.timeline.x(polls.start[hv.index]);
    const x1 = Math.max(x0 + 1, this.timeline.x(this.model.endOf(polls.end[hv.index])));
    ctx.strokeStyle = COLORS.hover;
    ctx.lineWidth = 1.5;
    ctx.strokeRect(x0 - 1, y + 2, x1 - x0 + 2, Math.max(3, h * 0.62 - 3) + 2);
  }

  // ---- pointer ----

  listen() {
    const c = this.canvas;
    let drag = null;
    const pos = (ev) => {
      const r = c.getBoundingClientRect();
      return { x: ev.clientX - r.left, y: ev.clientY - r.top };
    };
    c.addEventListener(
      'wheel',
      (ev) => {
        ev.preventDefault();
        const { x } = pos(ev);
        this.timeline.zoom(Math.exp(ev.deltaY * 0.002), Math.max(x, GUTTER), this.running);
        this.dirty = true;
      },
      { passive: false },
    );
    c.addEventListener('mousedown', (ev) => {
      drag = pos(ev).x;
    });
    window.addEventListener('mouseup', () => {
      drag = null;
    });
    c.addEventListener('mousemove', (ev) => {
      const p = pos(ev);
      if (drag !== null && ev.buttons & 1) {
        this.timeline.pan(p.x - drag);
        drag = p.x;
        this.dirty = true;
      }
      this.hoverAt(p.x, p.y, ev);
    });
    c.addEventListener('mouseleave', () => {
      this.hover = null;
      this.tooltip.hidden = true;
      this.dirty = true;
    });
    c.addEventListener('dblclick', () => {
      if (this.running) this.timeline.follow = true;
      else this.timeline.fit();
      this.dirty = true;
    });
  }

  hoverAt(x, y, ev) {
    const hit = this.lanes.hit(this.model, this.timeline, this.lanesRect(), x, y);
    const same = hit && this.hover && hit.lane === this.hover.lane && hit.index === this.hover.index;
    if (!same) this.dirty = true;
    this.hover = hit;
    if (!hit) {
      this.tooltip.hidden = true;
      return;
    }
    const info = this.pollInfo(hit.lane, hit.index);
    this.tooltip.textContent = `${info.stage}\ntask ${info.task} on ${info.lane}\n${formatMs(info.durationMs)} (at ${info.startMs.toFixed(3)} ms)`;
    this.tooltip.hidden = false;
    const box = this.canvas.parentElement.getBoundingClientRect();
    const left = Math.min(ev.clientX - box.left + 14, box.width - 260);
    this.tooltip.style.left = `${Math.max(0, left)}px`;
    this.tooltip.style.top = `${ev.clientY - box.top + 14}px`;
  }

  /** A poll as the hover shows it: its task, stage, lane, start and duration. */
  pollInfo(laneIndex, i) {
    const lane = this.model.lanes[laneIndex];
    const p = lane.polls;
    const start = p.start[i];
    const end = this.model.endOf(p.end[i]);
    return {
      lane: lane.name,
      task: p.task[i],
      stage: this.model.stageName(p.stage[i]),
      startMs: start,
      durationMs: end - start,
    };
  }

  /** Where a poll is drawn: the middle of its bar, in CSS pixels from the canvas's corner. */
  pollPoint(laneIndex, i) {
    const p = this.model.lanes[laneIndex].polls;
    const mid = (p.start[i] + this.model.endOf(p.end[i])) / 2;
    const { y, h } = this.lanes.laneBox(this.lanesRect(), this.model.lanes.length, laneIndex);
    return { x: this.timeline.x(mid), y: y + h * 0.3 };
  }

  // ---- the test hook ----

  stats() {
    const lanes = this.model.lanes.map((lane, i) => ({
      name: lane.name,
      polls: lane.polls.length,
      drawn: this.drawn[i] ?? 0,
      parks: lane.parks.length,
      ticks: lane.ticks.length,
      maxQueueDepth: maxOf(lane.depth.depth, lane.depth.length),
    }));
    const m = this.model;
    const r = this.run;
    let run = null;
    if (r) {
      const wallMs = (r.endedAt ?? performance.now()) - r.startedAt;
      const frameSpan = r.lastFrame - r.firstFrame;
      const feedMs = r.lastBatchAt - r.firstBatchAt;
      run = {
        running: this.running,
        wallMs,
        frames: r.frames,
        fps: frameSpan > 0 ? ((r.frames - 1) * 1000) / frameSpan : 0,
        worstFrameGapMs: r.worstGap,
        drawMsPerFrame: r.frames ? r.drawMs / r.frames : 0,
        batches: r.batches,
        events: m.events,
        traceMs: m.endTs,
        // From the first batch to the last: the events that arrived (after the first batch)
        // per second, and the frames drawn per second meanwhile.
        feedMs,
        eventsPerSecond: feedMs > 0 ? ((m.events - r.eventsAtFirstBatch) * 1000) / feedMs : 0,
        fpsWhileFed: feedMs > 0 ? ((r.framesAtLastBatch - r.framesAtFirstBatch) * 1000) / feedMs : 0,
      };
    }
    let steals = 0;
    let wakes = 0;
    for (let i = 0; i < m.marks.length; i++) {
      if (m.marks.kind[i] === 0) steals++;
      else wakes++;
    }
    return {
      frames: this.frames,
      lanes,
      steals,
      crossWorkerWakes: wakes,
      pipeline: this.pipeline.snapshot(),
      view: { t0: this.timeline.t0, t1: this.timeline.t1, follow: this.timeline.follow },
      run,
    };
  }
}

function maxOf(a, n) {
  let m = 0;
  for (let i = 0; i < n; i++) if (a[i] > m) m = a[i];
  return m;
}

function formatMs(ms) {
  if (ms < 1) return `${(ms * 1000).toFixed(1)} µs`;
  return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
}

// rt.trace: what the scheduler did, from weir's own tracer (docs/observability.md), as plain
// JavaScript objects. start()/stop() record a trace (events, and toPerfetto(): the Chrome
// trace-event JSON ui.perfetto.dev opens); subscribe() is the live feed the playground draws
// from: a batch of new events every intervalMs while the runtime runs.

/**
 * Event kinds, by weir::trace::kind's numbering. Besides these, the JavaScript side adds
 * 'pipeline' (a pipeline started: `stages`, each { name, op, window, ordered }).
 */
export const KINDS = [
  'spawn', 'poll_begin', 'poll_end', 'wake', 'steal', 'park', 'unpark', 'timer_fired',
  'io_completed', 'finish', 'lost_waker', 'stage_in', 'stage_out', 'stage_in_flight',
  'channel_depth',
];

/** Default ring size per worker, in 64-bit words (about one word per poll or wake-up). */
const DEFAULT_WORDS = 1 << 18;
/** How often the rings are emptied while tracing is on (a busy worker writes some 30k words). */
const DRAIN_MS = 20;

/**
 * Turns a take's flat numbers into events, keeping each task's stage (its name: a job task is
 * named after its stage) across takes in `names` (task id -> stage label).
 */
export function decode(take, taskStage) {
  const { flat, names } = take;
  const events = new Array(flat.length / 8);
  for (let i = 0, k = 0; i < flat.length; i += 8, k++) {
    const kind = KINDS[flat[i + 7]] ?? 'unknown';
    const task = flat[i + 1];
    const name = flat[i + 4] ? names[flat[i + 4]] : undefined;
    const e = {
      kind,
      ts: flat[i] / 1e6, // ms since the runtime started
      worker: flat[i + 6], // -1: a thread that is not a worker (the host)
      task,
      a: flat[i + 2],
      b: flat[i + 3],
    };
    if (kind === 'spawn') {
      e.stage = name;
      e.parent = e.a;
      if (flat[i + 5]) e.location = names[flat[i + 5]];
      if (name) taskStage.set(task, name);
    } else if (kind === 'stage_in' || kind === 'stage_out' || kind === 'stage_in_flight' || kind === 'lost_waker' || kind === 'channel_depth') {
      // a: the address of the name in weir; the name itself is what tells
      e.stage = name;
      e.count = e.b;
    } else if (task && taskStage.has(task)) {
      e.stage = taskStage.get(task);
    }
    if (kind === 'finish') taskStage.delete(task);
    events[k] = e;
  }
  return events;
}

export class Trace {
  constructor(events, dropped, json) {
    /** The events, in time order per worker (see docs/npm.md for their fields). */
    this.events = events;
    /** Events lost because a ring was full before it was read. */
    this.dropped = dropped;
    this.json = json;
  }
  /** The trace as Chrome trace-event JSON (a string): ui.perfetto.dev opens it. */
  toPerfetto() {
    return this.json;
  }
}

export class Tracer {
  constructor(engine) {
    this.engine = engine;
    this.on = false;
    this.recording = false; // start() was called (a Trace is being kept)
    this.kept = [];
    this.taskStage = new Map();
    this.subscribers = new Set();
    this.notes = [];
    this.lastTs = 0;
    this.timer = null;
    this.intervalMs = 16;
  }

  native() {
    return this.engine.native;
  }

  ensureOn(words = DEFAULT_WORDS) {
    if (this.on) return;
    this.native().traceStart(words);
    this.on = true;
    // The rings are emptied every DRAIN_MS while tracing is on, subscribers or not, so that a
    // long trace does not fill them and drop events.
    this.drain = setInterval(() => this.pump(), DRAIN_MS);
    this.drain.unref?.();
  }

  /**
   * An event of the JavaScript side (a pipeline starting: its stages), delivered with the next
   * batch, at the time of the last event taken before it.
   */
  note(event) {
    if (this.on) this.notes.push(event);
  }

  /** Takes what the rings hold, hands it to the subscribers and keeps it for stop(). */
  pump() {
    if (!this.on) return [];
    const take = this.native().traceTake();
    const decoded = decode(take, this.taskStage);
    let events = decoded;
    if (this.notes.length) {
      const ts = decoded.length ? decoded[0].ts : this.lastTs;
      for (const n of this.notes) n.ts = ts;
      events = [...this.notes, ...decoded];
      this.notes = [];
    }
    if (decoded.length) this.lastTs = decoded[decoded.length - 1].ts;
    this.dropped = take.dropped;
    if (this.recording) for (const e of events) this.kept.push(e);
    if (events.length) {
      for (const s of this.subscribers) {
        try {
          s.callback(events);
        } catch (e) {
          // A throwing subscriber must not stop the feed: report it, as an unhandled error would be.
          queueMicrotask(() => {
            throw e;
          });
        }
      }
    }
    return events;
  }

  start({ eventsPerWorker } = {}) {
    this.engine.checkOpen();
    if (this.on) this.pump();
    if (!this.on) this.ensureOn(eventsPerWorker ?? DEFAULT_WORDS);
    this.recording = true;
    this.kept = [];
  }

  stop() {
    this.engine.checkOpen();
    if (!this.on) return new Trace([], 0, '{"traceEvents":[]}');
    this.pump();
    const json = this.native().traceJson();
    const t = new Trace(this.kept, this.dropped ?? 0, json);
    this.kept = [];
    this.recording = false;
    if (this.subscribers.size === 0) this.off();
    return t;
  }

  subscribe(callback, { intervalMs = 16 } = {}) {
    this.engine.checkOpen();
    if (typeof callback !== 'function') throw new TypeError(`trace.subscribe(): expected a function, got ${typeof callback}`);
    if (typeof intervalMs !== 'number' || !(intervalMs >= 1) || !Number.isFinite(intervalMs)) {
      throw new RangeError(`trace.subscribe(): intervalMs must be a number of at least 1, got ${intervalMs}`);
    }
    this.ensureOn();
    const sub = { callback, closed: false };
    this.subscribers.add(sub);
    this.intervalMs = Math.min(this.intervalMs, intervalMs);
    if (!this.timer) {
      this.timer = setInterval(() => this.pump(), intervalMs);
      // The feed alone must not keep Node running.
      this.timer.unref?.();
    }
    return {
      close: () => {
        if (sub.closed) return;
        sub.closed = true;
        this.pump(); // what came before the close still reaches it
        this.subscribers.delete(sub);
        if (this.subscribers.size === 0) {
          clearInterval(this.timer);
          this.timer = null;
          if (!this.recording) this.off();
        }
      },
    };
  }

  off() {
    if (!this.on) return;
    this.native().traceStop();
    this.on = false;
    clearInterval(this.drain);
    this.drain = null;
    this.taskStage.clear();
  }

  close() {
    if (this.drain) clearInterval(this.drain);
    this.drain = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.subscribers.clear();
    this.on = false;
  }
}

// What the live view draws, built from the runner's packed trace batches (runner/protocol.js)
// as they arrive: per lane (lane 0 the host thread, lane w + 1 weir worker w) its polls (a bar
// from poll_begin to the next poll_end or park of that lane), its parked stretches and its
// queue depth samples; steals and cross-worker wakes as marks between lanes; and the host's
// job spawns as ticks. Stage events go to the pipeline model (pipeline.js).
//
// A cross-worker wake: a wake recorded by worker X (its `a` is X + 1) of a task whose next
// poll_begin is on another worker Y. The wake is held per task until that poll says where the
// task ran; a wake from the host (a = 0) is every job's start and is not marked.
import { EVENT_WORDS, K } from '../runner/protocol.js';
import { Columns } from './columns.js';

const OPEN = -1; // the end of a poll or park still in progress

export class Lane {
  constructor(index) {
    this.index = index;
    this.name = index === 0 ? 'host' : `worker ${index - 1}`;
    this.polls = new Columns(['start', 'end', 'stage', 'task']);
    this.parks = new Columns(['start', 'end']);
    this.depth = new Columns(['ts', 'depth']);
    this.ticks = new Columns(['ts', 'stage']); // host lane: jobs spawned
    this.openPoll = -1;
    this.openPark = -1;
    this.lastDepth = 0;
  }

  closePoll(ts) {
    if (this.openPoll >= 0) {
      this.polls.end[this.openPoll] = Math.max(ts, this.polls.start[this.openPoll]);
      this.openPoll = -1;
    }
  }
}

export class TraceModel {
  constructor() {
    this.reset(0);
  }

  /** Forgets everything: a new run with `workers` workers. */
  reset(workers) {
    this.lanes = [];
    for (let i = 0; i <= workers; i++) this.lanes.push(new Lane(i));
    this.names = []; // stage name id -> name
    this.marks = new Columns(['ts', 'kind', 'from', 'to', 'count']); // kind: 0 steal, 1 wake
    this.pendingWake = new Map(); // task -> packed (ts, from lane)
    this.endTs = 0;
    this.events = 0;
    this.kindCounts = new Float64Array(16);
    this.hostWakes = 0;
    this.version = 0; // bumped by each batch: the view redraws when it moved
  }

  lane(worker) {
    const i = worker + 1;
    while (this.lanes.length <= i) this.lanes.push(new Lane(this.lanes.length));
    return this.lanes[i];
  }

  /** Takes one packed batch; stage events go to pipeline.stageEvent(kind, name, count, ts). */
  ingest(events, names, pipeline) {
    for (const [id, name] of names) this.names[id] = name;
    const n = events.length / EVENT_WORDS;
    for (let i = 0; i < n; i++) {
      const o = i * EVENT_WORDS;
      const kind = events[o];
      const ts = events[o + 1];
      const worker = events[o + 2];
      const task = events[o + 3];
      const a = events[o + 4];
      const b = events[o + 5];
      const stage = events[o + 6];
      this.kindCounts[kind]++;
      if (ts > this.endTs) this.endTs = ts;
      switch (kind) {
        case K.poll_begin: {
          const lane = this.lane(worker);
          lane.closePoll(ts);
          const r = lane.polls.push();
          lane.polls.start[r] = ts;
          lane.polls.end[r] = OPEN;
          lane.polls.stage[r] = stage;
          lane.polls.task[r] = task;
          lane.openPoll = r;
          if (b > 0) {
            const d = lane.depth.push();
            lane.depth.ts[d] = ts;
            lane.depth.depth[d] = b - 1;
            lane.lastDepth = b - 1;
          }
          const w = this.pendingWake.get(task);
          if (w !== undefined) {
            this.pendingWake.delete(task);
            const from = w % 256;
            if (from !== lane.index) this.mark(Math.floor(w / 256) / 1e3, 1, from, lane.index, 1);
          }
          break;
        }
        case K.poll_end: {
          const lane = this.lane(worker);
          if (lane.openPoll >= 0 && lane.polls.task[lane.openPoll] === task) lane.closePoll(ts);
          break;
        }
        case K.park: {
          const lane = this.lane(worker);
          lane.closePoll(ts);
          const r = lane.parks.push();
          lane.parks.start[r] = ts;
          lane.parks.end[r] = OPEN;
          lane.openPark = r;
          break;
        }
        case K.unpark: {
          const lane = this.lane(worker);
          if (lane.openPark >= 0) {
            lane.parks.end[lane.openPark] = ts;
            lane.openPark = -1;
          }
          break;
        }
        case K.wake:
          if (a > 0) {
            // ts in microseconds and the waker's lane, in one number (no object per wake).
            this.pendingWake.set(task, Math.round(ts * 1e3) * 256 + a);
          } else this.hostWakes++;
          break;
        case K.steal:
          this.mark(ts, 0, a + 1, worker + 1, b);
          break;
        case K.spawn:
          if (worker < 0) {
            const lane = this.lanes[0];
            const r = lane.ticks.push();
            lane.ticks.ts[r] = ts;
            lane.ticks.stage[r] = stage;
          }
          break;
        case K.finish:
          this.pendingWake.delete(task);
          break;
        case K.stage_in:
        case K.stage_out:
        case K.stage_in_flight:
          pipeline.stageEvent(kind, this.names[stage], events[o + 7], ts);
          break;
        default:
          break;
      }
    }
    this.events += n;
    this.version++;
  }

  mark(ts, kind, from, to, count) {
    const m = this.marks.push();
    this.marks.ts[m] = ts;
    this.marks.kind[m] = kind;
    this.marks.from[m] = from;
    this.marks.to[m] = to;
    this.marks.count[m] = count;
  }

  /** The end of a poll or park (an open one ends at the latest time seen). */
  endOf(end) {
    return end === OPEN ? this.endTs : end;
  }

  /** Ends whatever is still open (the run is over). */
  finish() {
    for (const lane of this.lanes) {
      lane.closePoll(this.endTs);
      if (lane.openPark >= 0) {
        lane.parks.end[lane.openPark] = this.endTs;
        lane.openPark = -1;
      }
    }
    this.version++;
  }

  stageName(id) {
    return id >= 0 ? this.names[id] ?? `stage #${id}` : '(no stage)';
  }
}

// Packs weir-runtime's trace batches (arrays of event objects, from rt.trace.subscribe) into
// the flat form the page draws from (protocol.js): numbers in a Float64Array whose buffer is
// transferred, stage names interned once per run and sent the first time they appear, and the
// 'pipeline' events (a pipeline started: its stages) beside them.
import { EVENT_WORDS, K } from './protocol.js';

export class TracePacker {
  constructor() {
    this.names = new Map(); // stage name -> id
  }

  /** { events, names, pipelines } for one batch; transfer events.buffer. */
  pack(batch) {
    const events = new Float64Array(batch.length * EVENT_WORDS);
    const newNames = [];
    const pipelines = [];
    let n = 0;
    for (const e of batch) {
      if (e.kind === 'pipeline') {
        pipelines.push({ ts: e.ts, stages: e.stages });
        continue;
      }
      const code = K[e.kind];
      if (code === undefined) continue;
      let stage = -1;
      if (e.stage !== undefined) {
        stage = this.names.get(e.stage);
        if (stage === undefined) {
          stage = this.names.size;
          this.names.set(e.stage, stage);
          newNames.push([stage, e.stage]);
        }
      }
      const o = n * EVENT_WORDS;
      events[o] = code;
      events[o + 1] = e.ts;
      events[o + 2] = e.worker;
      events[o + 3] = e.task;
      events[o + 4] = e.a;
      events[o + 5] = e.b;
      events[o + 6] = stage;
      events[o + 7] = e.count ?? -1;
      n++;
    }
    return { events: n === batch.length ? events : events.slice(0, n * EVENT_WORDS), names: newNames, pipelines };
  }
}

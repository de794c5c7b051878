// The trace's times when the host thread loses its core while it takes the trace (the playground's
// runner thread, on a machine whose cores the workers keep busy): every worker's events stay in
// time order, and the Perfetto JSON's slices nest. Before the fix, a take read the clock twice to
// re-measure the stamps' rate, and a stall between the two reads gave every event of that take a
// time up to the stall later than the events the workers recorded after it (the playground's
// "slice overlaps its enclosing one").
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime } from 'weir-runtime';
import { Native } from '../src/native.mjs';
import { BACKENDS } from './helpers.mjs';

/** The first slice on a track that starts inside another one and ends after it, or null. */
function overlappingSlice(json) {
  const open = new Map();
  for (const e of JSON.parse(json).traceEvents) {
    if (e.ph !== 'X') continue;
    const stack = open.get(e.tid) ?? [];
    open.set(e.tid, stack);
    while (stack.length && stack.at(-1) <= e.ts + 1e-6) stack.pop();
    if (stack.length && e.ts + e.dur > stack.at(-1) + 1e-6) return JSON.stringify(e);
    stack.push(e.ts + e.dur);
  }
  return null;
}

describe('trace times [threads]', { skip: !BACKENDS.includes('threads') }, () => {
  let rt;
  const realNow = performance.now;
  const realTake = Native.prototype.traceTake;
  before(async () => {
    rt = await createRuntime({ backend: 'threads', workers: 2 });
    // The host thread's first clock read in each take returns, then the thread stalls 4 ms (as
    // if descheduled right after it) while the workers go on running jobs.
    let stall = false;
    performance.now = function () {
      const t = realNow.call(performance);
      if (stall) {
        stall = false;
        while (realNow.call(performance) - t < 4) {}
      }
      return t;
    };
    Native.prototype.traceTake = function () {
      stall = true;
      try {
        return realTake.call(this);
      } finally {
        stall = false;
      }
    };
  });
  after(async () => {
    performance.now = realNow;
    Native.prototype.traceTake = realTake;
    await rt?.close();
  });

  test('trace_times_stay_in_order_when_the_host_stalls_during_a_take', async () => {
    for (let run = 0; run < 4; run++) {
      rt.trace.start();
      const sub = rt.trace.subscribe(() => {}, { intervalMs: 5 }); // many takes while jobs run
      await rt
        .iter(0, 200)
        .stage('spin', (s) =>
          s.map((x) => {
            const t = performance.now(); // about 1 ms per item, in a pool worker
            while (performance.now() - t < 1) {}
            return x;
          }).buffered(16),
        )
        .count();
      sub.close();
      const t = rt.trace.stop();
      const last = new Map();
      for (const e of t.events) {
        if (!(e.worker >= 0)) continue;
        assert.ok(e.ts >= (last.get(e.worker) ?? -Infinity), `run ${run}: worker ${e.worker} goes back in time at ${JSON.stringify(e)}`);
        last.set(e.worker, e.ts);
      }
      const bad = overlappingSlice(t.toPerfetto());
      assert.equal(bad, null, `run ${run}: slice overlaps its enclosing one: ${bad}`);
    }
  });
});

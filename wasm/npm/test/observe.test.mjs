// Observability: metrics, a recorded trace (its events and its Perfetto JSON), the live feed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eachBackend, sleep } from './helpers.mjs';

eachBackend('observability', (ctx) => {
  test('metrics_is_a_plain_object_of_the_schedulers_counters', async () => {
    await ctx.rt.iter(0, 1000).map((x) => x + 1).buffered(50).count();
    const m = ctx.rt.metrics();
    assert.equal(m.workers, ctx.rt.workers);
    assert.equal(m.perWorker.length, ctx.rt.workers);
    const polls = m.perWorker.reduce((a, w) => a + w.polls, 0);
    assert.ok(polls > 0);
    for (const k of ['globalQueueDepth', 'liveTasks', 'remoteSpawned', 'lostWakers']) assert.equal(typeof m[k], 'number', k);
    for (const k of ['polls', 'steals', 'stealOperations', 'overflows', 'parks', 'spawned', 'localQueueDepth', 'busyMs']) {
      assert.equal(typeof m.perWorker[0][k], 'number', k);
    }
  });

  test('trace_start_stop_records_the_jobs_polls_with_their_stage', async () => {
    ctx.rt.trace.start();
    await ctx.rt.iter(0, 2000).stage('square', (s) => s.map((x) => x * x).buffered(40)).collect();
    const t = ctx.rt.trace.stop();
    const kinds = new Set(t.events.map((e) => e.kind));
    for (const k of ['spawn', 'poll_begin', 'finish']) assert.ok(kinds.has(k), `no ${k} in ${[...kinds]}`);
    const polls = t.events.filter((e) => e.kind === 'poll_begin');
    assert.ok(polls.some((e) => e.stage === 'square'), 'a poll names its stage');
    assert.ok(polls.every((e) => e.worker >= 0 && e.worker < ctx.rt.workers));
    assert.ok(t.events.some((e) => e.kind === 'stage_in_flight' && e.stage === 'square'));
    for (const e of t.events) assert.equal(typeof e.ts, 'number');
    const json = JSON.parse(t.toPerfetto());
    assert.ok(Array.isArray(json.traceEvents) && json.traceEvents.length > 0);
    assert.ok(json.traceEvents.some((e) => e.ph === 'X'), 'poll slices');
  });

  test('buffered_async_calls_that_settle_in_one_turn_are_handed_on_together', async () => {
    // Each call takes one setImmediate hop, so a window's 100 calls settle in one turn of the
    // event loop: the stage hands them on as one chunk (its stage_out events count chunks), not
    // one pull through the pipeline per item (1,000 events before).
    const hop = async (x) => {
      await new Promise((resolve) => setImmediate(resolve));
      return x + 1;
    };
    ctx.rt.trace.start();
    const r = await ctx.rt.iter(0, 1000).stage('hop', (s) => s.map(hop).buffered(100)).collect();
    const t = ctx.rt.trace.stop();
    assert.deepEqual(r, Array.from({ length: 1000 }, (_, i) => i + 1));
    const outs = t.events.filter((e) => e.kind === 'stage_out' && e.stage === 'hop');
    assert.ok(outs.length > 0 && outs.length <= 100, `${outs.length} stage_out events for 1,000 items`);
  });

  test('trace_subscribe_delivers_batches_live_and_close_stops_them', async () => {
    const batches = [];
    const sub = ctx.rt.trace.subscribe((b) => batches.push(b), { intervalMs: 5 });
    await ctx.rt.iter(0, 3000).map((x) => x + 1).buffered(30).count();
    await sleep(30);
    sub.close();
    const n = batches.length;
    assert.ok(n >= 1, 'at least one batch');
    assert.ok(batches.flat().some((e) => e.kind === 'poll_begin'));
    await ctx.rt.iter(0, 100).map((x) => x).count();
    await sleep(30);
    assert.equal(batches.length, n, 'no batch after close');
  });

  test('trace_subscribe_rejects_bad_arguments', () => {
    assert.throws(() => ctx.rt.trace.subscribe(42), TypeError);
    assert.throws(() => ctx.rt.trace.subscribe(() => {}, { intervalMs: 0 }), RangeError);
  });
});

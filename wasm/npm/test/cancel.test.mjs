// Cancellation and flow: an AbortSignal stops a run promptly and leaves the runtime usable; a
// slow consumer holds a bounded number of items; a lazy source is read no further than needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eachBackend, sleep } from './helpers.mjs';

eachBackend('cancellation', (ctx) => {
  test('collect_with_an_aborted_signal_rejects_with_its_reason_promptly', async () => {
    const ac = new AbortController();
    // About 1 ms of work per item: an abort must not wait for the rest of a job.
    const p = ctx.rt
      .iter(0, 100_000)
      .map((x) => {
        const end = Date.now() + 1;
        while (Date.now() < end) {
          // busy
        }
        return x;
      })
      .buffered(8)
      .collect({ signal: ac.signal });
    await sleep(50);
    const reason = new Error('user stopped it');
    const t0 = performance.now();
    ac.abort(reason);
    const err = await p.then(() => null, (e) => e);
    const ms = performance.now() - t0;
    assert.equal(err, reason);
    assert.ok(ms < 500, `took ${ms} ms to reject after the abort`);
    assert.deepEqual(await ctx.rt.iter(0, 5).map((x) => x * 2).collect(), [0, 2, 4, 6, 8]);
  });

  test('a_signal_aborted_before_the_run_rejects_at_once', async () => {
    const err = await ctx.rt.iter(0, 10).collect({ signal: AbortSignal.abort('no') }).then(() => null, (e) => e);
    assert.equal(err, 'no');
  });

  test('AbortSignal_timeout_stops_an_endless_pipeline', async () => {
    const err = await ctx.rt
      .iter(0, Infinity)
      .map((x) => x + 1)
      .collect({ signal: AbortSignal.timeout(100) })
      .then(() => null, (e) => e);
    assert.equal(err?.name, 'TimeoutError');
  });

  test('an_abort_under_buffered_100_with_slow_items_rejects_within_about_an_item', async () => {
    // 20 ms items under a window of 100: a job is a stretch nothing interrupts in the event-loop
    // build (the host runs the calls), so jobs there must stay short; an abort then lands after
    // about one item. It took 2 s when a job was a quarter of the window, and 0.6 s while the
    // event loop's slice ran 32 jobs before it read the clock.
    const ac = new AbortController();
    const t0 = performance.now();
    const p = ctx.rt
      .iter(0, 400)
      .map((x) => {
        const end = Date.now() + 20;
        while (Date.now() < end) {
          // busy
        }
        return x;
      })
      .buffered(100)
      .collect({ signal: ac.signal });
    // Timed from the start: a host thread held by a long job delays the abort's own timer too.
    setTimeout(() => ac.abort(new Error('stop')), 100);
    const err = await p.then(() => null, (e) => e);
    const ms = performance.now() - t0;
    assert.equal(err?.message, 'stop');
    // 100 ms, then about an item; 500 ms of margin for a loaded machine (as the test above
    // allows), against 1,000 ms and more for jobs of a quarter of the window.
    assert.ok(ms < 600, `rejected ${ms.toFixed(0)} ms after the start, for an abort at 100 (an item takes 20)`);
  });

  test('a_pipeline_without_stage_functions_stops_at_its_signal', async () => {
    // Nothing but a source and structural operators: every pull settles as a microtask, and a
    // consumer that never gave the event loop a turn could not see its own signal fire. (Then
    // this test hangs its process, guard included: the suite's time limit fails it.)
    const guard = sleep(20_000).then(() => 'hung');
    for (const run of [
      (signal) => ctx.rt.iter(0, Infinity).count({ signal }),
      (signal) => ctx.rt.iter(0, Infinity).enumerate().collect({ signal }),
      (signal) => ctx.rt.iter((function* () { for (;;) yield 1; })()).sum({ signal }),
      (signal) => ctx.rt.iter(0, Infinity).skip(1e15).count({ signal }),
      (signal) => ctx.rt.iter(0, Infinity).chunks(1 << 24).first({ signal }),
    ]) {
      const err = await Promise.race([run(AbortSignal.timeout(50)).then(() => null, (e) => e), guard]);
      assert.equal(err?.name, 'TimeoutError', String(err));
    }
  });

  test('consumers_and_sleep_reject_with_the_signal_s_reason_even_null_or_0', async () => {
    for (const reason of [null, 0, false]) {
      const ac = new AbortController();
      ac.abort(reason);
      assert.equal(await ctx.rt.iter(0, 3).collect({ signal: ac.signal }).then(() => 'resolved', (e) => e), reason);
      assert.equal(await ctx.rt.sleep(10, { signal: ac.signal }).then(() => 'resolved', (e) => e), reason);
      const live = new AbortController();
      const p = ctx.rt.iter(0, Infinity).map((x) => x).count({ signal: live.signal });
      await sleep(20);
      live.abort(reason);
      assert.equal(await p.then(() => 'resolved', (e) => e), reason);
    }
  });

  test('each_consumer_takes_a_signal', async () => {
    const s = ctx.rt.iter(0, Infinity).map((x) => x);
    for (const run of [
      (signal) => s.count({ signal }),
      (signal) => s.sum({ signal }),
      (signal) => s.fold(0, (a, x) => a + x, { signal }),
      (signal) => s.forEach((x) => x, { signal }),
    ]) {
      const err = await run(AbortSignal.timeout(30)).then(() => null, (e) => e);
      assert.equal(err?.name, 'TimeoutError');
    }
  });
});

eachBackend('flow', (ctx) => {
  test('zip_with_an_endless_async_source_reads_about_what_it_pairs', async () => {
    let read = 0;
    async function* endless() {
      for (let i = 0; ; i++) {
        read++;
        yield i;
      }
    }
    const out = await ctx.rt.iter(endless()).zip(ctx.rt.iter(0, 5)).collect();
    assert.deepEqual(out, [[0, 0], [1, 1], [2, 2], [3, 3], [4, 4]]);
    assert.ok(read <= 16, `read ${read} items to pair 5`);
    // Beside a side that gives little at a time (slow, or filtered), too.
    async function* slow() {
      for (let i = 0; i < 20; i++) {
        await sleep(1);
        yield i;
      }
    }
    read = 0;
    assert.equal((await ctx.rt.iter(endless()).zip(ctx.rt.iter(slow())).collect()).length, 20);
    assert.ok(read <= 64, `read ${read} items to pair 20 with a slow side`);
    read = 0;
    const sparse = ctx.rt.iter(0, 2000).filter((x) => x % 100 === 0);
    assert.equal((await ctx.rt.iter(endless()).zip(sparse).collect()).length, 20);
    assert.ok(read <= 64, `read ${read} items to pair 20 with a filtered side`);
    const long = await ctx.rt.iter(0, 20_000).zip(ctx.rt.iter(0, 20_000).map((x) => -x)).collect();
    assert.equal(long.length, 20_000);
    assert.deepEqual(long[19_999], [19_999, -19_999]);
  });

  test('take_over_an_endless_async_source_reads_no_more_than_10_plus_the_window', async () => {
    let read = 0;
    async function* endless() {
      for (let i = 0; ; i++) {
        read++;
        yield i;
      }
    }
    const out = await ctx.rt.iter(endless()).map((x) => x * 2).buffered(16).take(10).collect();
    assert.deepEqual(out, [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    assert.ok(read <= 10 + 16 + 1, `read ${read} items`);
  });

  test('a_slow_consumer_holds_at_most_the_window_plus_a_small_constant', async () => {
    let produced = 0;
    async function* source() {
      for (let i = 0; i < 1000; i++) {
        produced++;
        yield i;
      }
    }
    let consumed = 0;
    let maxAhead = 0;
    for await (const v of ctx.rt.iter(source()).map((x) => x + 1).buffered(10)) {
      consumed++;
      maxAhead = Math.max(maxAhead, produced - consumed);
      if (consumed === 60) break;
      if (consumed % 10 === 0) await sleep(5);
      assert.equal(v, consumed);
    }
    assert.ok(maxAhead <= 10 + 32 + 2, `the source ran ${maxAhead} items ahead of the consumer`);
  });
});

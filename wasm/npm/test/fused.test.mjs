// Fused chains (src/engine/fused.mjs): consecutive synchronous map, filter, filterMap and inspect
// stages run as one job per chunk. A user must see what the stages one by one give: the same
// items in order, errors naming the same stage and item, promises found as before, and the jobs
// spread over the workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WeirStageError } from 'weir-runtime';
import { eachBackend } from './helpers.mjs';

/** What the chain gives in plain JavaScript. */
function expected(xs, ...fs) {
  let out = xs;
  for (const [kind, f] of fs) {
    if (kind === 'map') out = out.map((x) => f(x));
    else if (kind === 'filter') out = out.filter((x) => f(x));
    else out = out.map((x) => f(x)).filter((y) => y !== undefined);
  }
  return out;
}

eachBackend('fused chains', (ctx) => {
  test('a_fused_chain_gives_what_its_stages_give_one_by_one', async () => {
    const xs = Array.from({ length: 50_000 }, (_, i) => i);
    const sq = (x) => x * x;
    const even = (x) => x % 2 === 0;
    const half = (x) => (x % 3 === 0 ? undefined : x / 2);
    const got = await ctx.rt.iter(xs).map(sq).filter(even).filterMap(half).inspect((x) => x).collect();
    assert.deepEqual(got, expected(xs, ['map', sq], ['filter', even], ['filterMap', half]));
  });

  test('a_fused_chain_carries_items_that_are_not_numbers', async () => {
    // Numbers first (the Float64Array path), then strings and objects part way through a job.
    const xs = Array.from({ length: 20_000 }, (_, i) => (i < 15_000 ? i : `s${i}`));
    const got = await ctx.rt
      .iter(xs)
      .map((x) => (typeof x === 'number' && x > 12_000 ? { n: x } : x))
      .filter((x) => typeof x !== 'number' || x % 5 === 0)
      .collect();
    const want = xs.map((x) => (typeof x === 'number' && x > 12_000 ? { n: x } : x)).filter((x) => typeof x !== 'number' || x % 5 === 0);
    assert.deepEqual(got, want);
  });

  test('a_typed_array_source_feeds_a_fused_chain', async () => {
    const xs = Int32Array.from({ length: 30_000 }, (_, i) => i - 15_000);
    const got = await ctx.rt.iter(xs).map((x) => x * 3).filter((x) => x > 0).collect();
    assert.deepEqual(got, Array.from(xs, (x) => x * 3).filter((x) => x > 0));
  });

  test('a_throw_late_in_a_fused_chain_names_its_stage_and_that_stage_s_own_input_index', async () => {
    const err = await ctx.rt
      .iter(0, 100_000)
      .filter((x) => x % 4 === 0)
      .map((x) => {
        if (x === 80_000) throw new RangeError('eighty thousand');
        return x;
      })
      .collect()
      .then(() => null, (e) => e);
    assert.ok(err instanceof WeirStageError, String(err));
    assert.match(err.stage, /^stage 2 \(map: /);
    assert.equal(err.item, 20_000); // the map's input: the filter kept every fourth item
    assert.equal(err.cause.message, 'eighty thousand');
    const again = await ctx.rt.iter(0, 10).map((x) => x + 1).filter((x) => x > 5).collect();
    assert.deepEqual(again, [6, 7, 8, 9, 10]);
  });

  test('a_function_returned_inside_a_fused_chain_is_a_TypeError_naming_its_stage_and_item', async () => {
    const err = await ctx.rt
      .iter(0, 50_000)
      .filter((x) => x % 2 === 1)
      .map((x) => (x === 30_001 ? () => x : x))
      .filter(() => true)
      .collect()
      .then(() => null, (e) => e);
    assert.ok(err instanceof TypeError, String(err));
    assert.match(err.message, /stage 2 \(map: /);
    assert.match(err.message, /item 15000/);
  });

  test('a_stage_of_a_chain_that_returns_promises_is_awaited_on_the_host', async () => {
    // Not declared async: the chain learns it from the first call, and goes on unfused.
    const got = await ctx.rt
      .iter(0, 200)
      .filter((x) => x >= 3) // drops the first items, so the next stage's first call comes later
      .map((x) => Promise.resolve(x * 2))
      .map((x) => x + 1)
      .collect();
    assert.deepEqual(got, Array.from({ length: 197 }, (_, i) => (i + 3) * 2 + 1));
  });

  test('a_stage_of_a_chain_returning_a_promise_after_plain_values_is_a_TypeError', async () => {
    const err = await ctx.rt
      .iter(0, 20_000)
      .map((x) => x + 1)
      .map((x) => (x > 10_000 ? Promise.resolve(x) : x))
      .collect()
      .then(() => null, (e) => e);
    assert.ok(err instanceof TypeError, String(err));
    assert.match(err.message, /stage 2 \(map: /);
    assert.match(err.message, /declare it async/);
  });

  test('take_after_a_fused_chain_calls_it_about_as_often_as_it_takes', async () => {
    // Each worker counts its own calls in its context (a copy per worker): the sum of the
    // counts seen is an upper bound of the calls made.
    const seen = await ctx.rt
      .iter(0, 1_000_000)
      .map((x, c) => (c.calls = (c.calls ?? 0) + 1), { context: {} })
      .take(10)
      .collect();
    assert.equal(seen.length, 10);
    assert.ok(Math.max(...seen) <= 10, `a worker made ${Math.max(...seen)} calls for 10 items`);
  });

  test('a_fused_chain_that_is_wanted_whole_keeps_several_jobs_in_flight', async () => {
    // count() wants everything: jobs (two per worker) are started before the first one is
    // awaited, so the stage's in-flight count rises twice in a row (a job, then another on top
    // of it). One job at a time would alternate: its items, then 0.
    ctx.rt.trace.start();
    const n = await ctx.rt.iter(0, 400_000).stage('spread', (s) => s.map((x) => x * x).filter((x) => x % 3 !== 0)).count();
    const t = ctx.rt.trace.stop();
    assert.equal(n, 266_666);
    const counts = t.events.filter((e) => e.kind === 'stage_in_flight' && e.stage === 'spread').map((e) => e.count);
    const stacked = counts.some((c, i) => i > 0 && counts[i - 1] > 0 && c > counts[i - 1]);
    assert.ok(stacked, `in flight: ${counts.slice(0, 40).join(' ')}`);
  });

  test('a_chain_whose_later_stage_has_not_been_called_yet_still_answers_an_abort', async () => {
    // The filter drops every item of an endless source, so the map never makes its first call:
    // the chain must keep running as it would unfused (yielding, seeing the signal), not probe
    // item after item on the host for ever.
    const guard = setTimeout(() => assert.fail('the pipeline ignored its abort for 20 s'), 20_000);
    try {
      const err = await ctx.rt
        .iter(0, Infinity)
        .filter((x) => x < 0)
        .map((x) => x + 1)
        .first({ signal: AbortSignal.timeout(50) })
        .then(() => null, (e) => e);
      assert.equal(err?.name, 'TimeoutError', String(err));
    } finally {
      clearTimeout(guard);
    }
  });

  test('a_stage_returning_a_promise_after_a_plain_first_call_fails_before_a_later_stage_is_called', async () => {
    // The map's first call (item 0) gives a plain value, which the filter drops, so the last
    // stage has made no call yet when the map returns a promise for item 1.
    const err = await ctx.rt
      .iter(0, 10)
      .map((x) => (x === 1 ? Promise.resolve(x * 10) : x * 10))
      .filter((x) => x !== 0)
      .map((x) => x + 1)
      .collect()
      .then(() => null, (e) => e);
    assert.ok(err instanceof TypeError, String(err));
    assert.match(err.message, /stage 1 \(map: /);
    assert.match(err.message, /for item 1 /);
    assert.match(err.message, /declare it async/);
  });

  test('a_value_refused_on_its_way_back_names_the_stage_that_made_it_and_its_own_item', async () => {
    const run = () => ctx.rt
      .iter(0, 50_000)
      .filter((x) => x % 2 === 0)
      .map((x) => (x === 30_000 ? { f: () => 1 } : x))
      .filter((x) => x !== 2)
      .collect();
    if (ctx.backend === 'event-loop') {
      // One thread: items are never encoded, so a function inside an object travels.
      const out = await run();
      assert.equal(out.length, 24_999);
      return;
    }
    const err = await run().then(() => null, (e) => e);
    assert.ok(err instanceof TypeError, String(err));
    assert.match(err.message, /^stage 2 \(map: /);
    assert.match(err.message, /for item 15000, a value that: \.f is a function/);
  });

  test('source_items_pass_through_filter_and_inspect_as_they_do_unfused', async () => {
    const f = () => 2;
    const run = () => ctx.rt.iter([1, f, 3]).filter(() => true).inspect(() => 0).collect();
    if (ctx.backend === 'event-loop') {
      assert.deepEqual(await run(), [1, f, 3]); // one thread: nothing is encoded
      return;
    }
    const err = await run().then(() => null, (e) => e);
    assert.ok(err instanceof TypeError, String(err));
    assert.match(err.message, /item 1 is a function/);
  });

  test('a_refused_source_item_leaves_the_wasm_heap_flat', async () => {
    let deep = {};
    for (let i = 0; i < 300; i++) deep = { deep };
    const xs = Array.from({ length: 30_000 }, (_, i) => (i === 20_000 ? deep : i));
    const run = () => ctx.rt.iter(xs).map((x) => x).collect().catch(() => 0);
    // Jobs still in flight when a run fails free their memory when they report: settle first,
    // until none is pending (10 s at most), not for a fixed 100 ms that a loaded machine may
    // let pass before the workers report.
    const settled = async () => {
      for (let i = 0; i < 1000 && ctx.rt.engine.jobs.pending.size > 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      return ctx.rt.engine.native.heapUsed();
    };
    for (let i = 0; i < 10; i++) await run();
    const before = await settled();
    for (let i = 0; i < 200; i++) await run();
    const grew = (await settled()) - before;
    // Each refusal used to keep its job's header (104 bytes): 20,800 bytes over 200 runs.
    assert.ok(grew < 8192, `the wasm heap grew by ${grew} bytes over 200 refused runs`);
  });

  test('zip_pairs_every_item_when_a_side_ends_with_items_still_buffered', async () => {
    const pairs = await ctx.rt
      .iter(0, 9000)
      .zip(ctx.rt.iter(0, 18_000).filter((x) => x % 2 === 0))
      .collect();
    assert.equal(pairs.length, 9000);
    assert.deepEqual(pairs[8999], [8999, 17_998]);
  });

  test('a_stage_that_moves_to_the_host_counts_each_item_in_once', async () => {
    // Its first call returned a promise: that item goes back in front of the input for the
    // host, and was counted in twice (201 of 200).
    ctx.rt.trace.start();
    const n = await ctx.rt.iter(0, 200).stage('p', (s) => s.map((x) => Promise.resolve(x))).count();
    const t = ctx.rt.trace.stop();
    assert.equal(n, 200);
    const ins = t.events.filter((e) => e.kind === 'stage_in' && e.stage === 'p').map((e) => e.count);
    assert.equal(Math.max(...ins), 200);
  });
});

// The API of weir-runtime, name by name, on both builds: createRuntime and its options, the
// runtime's members, every source, adapter and consumer, items of every kind that travel, and
// bad arguments caught where they are given.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime, Stream, WeirStageError, WeirTimeoutError } from 'weir-runtime';
import { BACKENDS, eachBackend, sleep } from './helpers.mjs';

describe('createRuntime', () => {
  test('createRuntime_rejects_bad_options', async () => {
    await assert.rejects(createRuntime({ workers: 0 }), RangeError);
    await assert.rejects(createRuntime({ workers: 1.5 }), RangeError);
    await assert.rejects(createRuntime({ workers: '2' }), TypeError);
    await assert.rejects(createRuntime({ backend: 'gpu' }), RangeError);
    await assert.rejects(createRuntime({ sliceBudgetMs: 0 }), RangeError);
    await assert.rejects(createRuntime({ wrokers: 2 }), /unknown option "wrokers"/);
    await assert.rejects(createRuntime(null), TypeError);
  });

  test('createRuntime_auto_picks_threads_where_node_has_shared_memory', async () => {
    const rt = await createRuntime({ workers: 2 });
    assert.equal(rt.backend, 'threads');
    assert.equal(rt.workers, 2);
    await rt.close();
  });

  for (const backend of BACKENDS) {
    test(`createRuntime_backend_${backend}_gives_that_build`, async () => {
      const rt = await createRuntime({ backend, workers: 3 });
      assert.equal(rt.backend, backend);
      assert.equal(rt.workers, backend === 'event-loop' ? 1 : 3);
      await rt.close();
    });
  }
});

eachBackend('sources', (ctx) => {
  test('iter_range_gives_start_to_end', async () => {
    assert.deepEqual(await ctx.rt.iter(3, 8).collect(), [3, 4, 5, 6, 7]);
    assert.deepEqual(await ctx.rt.iter(5, 5).collect(), []);
    assert.deepEqual(await ctx.rt.iter(5, 2).collect(), []);
  });
  test('iter_endless_range_with_take', async () => {
    assert.deepEqual(await ctx.rt.iter(0, Infinity).take(3).collect(), [0, 1, 2]);
  });
  test('iter_array_and_typed_array', async () => {
    assert.deepEqual(await ctx.rt.iter(['a', 'b', 'c']).collect(), ['a', 'b', 'c']);
    assert.deepEqual(await ctx.rt.iter(new Int16Array([1, -2, 3])).collect(), [1, -2, 3]);
  });
  test('iter_iterable_and_async_iterable', async () => {
    function* gen() {
      yield 1;
      yield 2;
    }
    async function* agen() {
      yield 'x';
      await sleep(1);
      yield 'y';
    }
    assert.deepEqual(await ctx.rt.iter(gen()).collect(), [1, 2]);
    assert.deepEqual(await ctx.rt.iter(new Set([4, 5])).collect(), [4, 5]);
    assert.deepEqual(await ctx.rt.iter(agen()).collect(), ['x', 'y']);
  });
  test('a_second_run_over_a_spent_generator_rejects_instead_of_giving_nothing', async () => {
    function* gen() {
      yield 1;
      yield 2;
    }
    async function* agen() {
      yield 3;
    }
    for (const [s, first] of [
      [ctx.rt.iter(gen()), [1, 2]],
      [ctx.rt.iter(agen()).map((x) => x * 2), [6]],
    ]) {
      assert.deepEqual(await s.collect(), first);
      await assert.rejects(s.collect(), /one-shot iterator/);
    }
    // Re-iterable sources run again.
    const set = ctx.rt.iter(new Set([4, 5]));
    assert.deepEqual(await set.collect(), [4, 5]);
    assert.deepEqual(await set.collect(), [4, 5]);
  });

  test('iter_rejects_bad_arguments', async () => {
    assert.throws(() => ctx.rt.iter(0, NaN), RangeError);
    assert.throws(() => ctx.rt.iter(NaN, 3), RangeError);
    // Beyond 2^53, start + 1 === start: the range would repeat one number for ever.
    assert.throws(() => ctx.rt.iter(2 ** 53, 2 ** 53 + 3), RangeError);
    assert.throws(() => ctx.rt.iter(1e300, Infinity), RangeError);
    assert.throws(() => ctx.rt.iter(0, 1e300), RangeError);
    assert.deepEqual(await ctx.rt.iter(Number.MAX_SAFE_INTEGER - 2, Number.MAX_SAFE_INTEGER).collect(), [
      Number.MAX_SAFE_INTEGER - 2,
      Number.MAX_SAFE_INTEGER - 1,
    ]);
    assert.throws(() => ctx.rt.iter(0, '5'), TypeError);
    assert.throws(() => ctx.rt.iter(5), TypeError);
    assert.throws(() => ctx.rt.iter({}), TypeError);
    assert.throws(() => ctx.rt.iter(), TypeError);
  });
});

eachBackend('adapters', (ctx) => {
  const rt = () => ctx.rt;
  test('map_filter_collect_the_design_example', async () => {
    const evens = await rt().iter(0, 1000).map((x) => x * x).buffered(100).filter((x) => x % 2 === 0).collect();
    assert.equal(evens.length, 500);
    assert.equal(evens[1], 4);
    assert.equal(evens.at(-1), 998 * 998);
  });
  test('map_with_context', async () => {
    assert.deepEqual(await rt().iter(0, 4).map((x, c) => x * c.k, { context: { k: 3 } }).collect(), [0, 3, 6, 9]);
  });
  test('filterMap_drops_undefined', async () => {
    assert.deepEqual(await rt().iter(0, 6).filterMap((x) => (x % 2 ? x * 10 : undefined)).collect(), [10, 30, 50]);
  });
  test('flatMap_flattens_arrays_and_iterables', async () => {
    assert.deepEqual(await rt().iter(1, 4).flatMap((x) => Array(x).fill(x)).collect(), [1, 2, 2, 3, 3, 3]);
    assert.deepEqual(await rt().iter(['ab', 'c']).flatMap((s) => s).collect(), ['a', 'b', 'c']);
  });
  test('take_and_skip', async () => {
    assert.deepEqual(await rt().iter(0, 10).skip(7).collect(), [7, 8, 9]);
    assert.deepEqual(await rt().iter(0, 10).take(0).collect(), []);
    assert.deepEqual(await rt().iter(0, 10).map((x) => x + 1).take(3).collect(), [1, 2, 3]);
  });
  test('takeWhile_and_skipWhile', async () => {
    assert.deepEqual(await rt().iter(0, 100).takeWhile((x) => x < 4).collect(), [0, 1, 2, 3]);
    assert.deepEqual(await rt().iter(0, 8).skipWhile((x) => x < 5).collect(), [5, 6, 7]);
    assert.deepEqual(await rt().iter([5, 1, 6]).skipWhile((x) => x > 3).collect(), [1, 6]);
  });
  test('chunks_enumerate_inspect', async () => {
    assert.deepEqual(await rt().iter(0, 7).chunks(3).collect(), [[0, 1, 2], [3, 4, 5], [6]]);
    assert.deepEqual(await rt().iter(['a', 'b']).enumerate().collect(), [[0, 'a'], [1, 'b']]);
    assert.deepEqual(await rt().iter(0, 3).inspect((x) => x * 100).collect(), [0, 1, 2]);
  });
  test('scan_gives_every_accumulator', async () => {
    assert.deepEqual(await rt().iter(1, 6).scan(0, (acc, x) => acc + x).collect(), [1, 3, 6, 10, 15]);
  });
  test('zip_chain_merge', async () => {
    assert.deepEqual(await rt().iter(0, 3).zip(rt().iter(['a', 'b'])).collect(), [[0, 'a'], [1, 'b']]);
    assert.deepEqual(await rt().iter(0, 2).chain(rt().iter(5, 7)).collect(), [0, 1, 5, 6]);
    const m = await rt().iter(0, 3).merge(rt().iter(10, 13)).collect();
    assert.deepEqual([...m].sort((a, b) => a - b), [0, 1, 2, 10, 11, 12]);
  });
  test('merge_of_three_equal_streams_shares_evenly', async () => {
    async function* side(tag) {
      for (;;) {
        await sleep(1);
        yield tag;
      }
    }
    const got = await rt().iter(side('a')).merge(rt().iter(side('b'))).merge(rt().iter(side('c'))).take(300).collect();
    const share = (t) => got.filter((x) => x === t).length / got.length;
    for (const t of ['a', 'b', 'c']) assert.ok(Math.abs(share(t) - 1 / 3) < 0.1, `${t}: ${share(t)}`);
  });
  test('buffered_keeps_input_order_bufferUnordered_keeps_every_item', async () => {
    const slowFirst = async (x) => {
      await new Promise((r) => setTimeout(r, x === 0 ? 30 : 1));
      return x;
    };
    assert.deepEqual(await rt().iter(0, 5).map(slowFirst).buffered(5).collect(), [0, 1, 2, 3, 4]);
    const u = await rt().iter(0, 5).map(slowFirst).bufferUnordered(5).collect();
    assert.deepEqual([...u].sort(), [0, 1, 2, 3, 4]);
    assert.notEqual(u[0], 0, 'the slow first item came first without order');
  });
  test('timeout_fails_a_stream_whose_item_is_late', async () => {
    async function* late() {
      yield 1;
      await sleep(1000); // 20 times the timeout: a loaded machine's late timers cannot close it
      yield 2;
    }
    await assert.rejects(rt().iter(late()).timeout(50).collect(), (e) => e instanceof WeirTimeoutError && e.name === 'TimeoutError');
    assert.deepEqual(await rt().iter(0, 3).timeout(1000).collect(), [0, 1, 2]);
  });
  test('stage_names_a_part_of_the_pipeline', async () => {
    const s = rt().iter(0, 4).stage('square', (t) => t.map((x) => x * x));
    assert.ok(s instanceof Stream);
    assert.deepEqual(await s.collect(), [0, 1, 4, 9]);
    assert.throws(() => rt().iter(0, 1).stage('bad', () => rt().iter(0, 1)), TypeError);
    assert.throws(() => rt().iter(0, 1).stage('', (t) => t), TypeError);
  });
  test('streams_are_lazy_and_reusable', async () => {
    const s = rt().iter(0, 3).map((x) => x + 1);
    assert.deepEqual(await s.collect(), [1, 2, 3]);
    assert.deepEqual(await s.collect(), [1, 2, 3]);
  });
  test('a_stream_has_no_then', () => {
    assert.equal('then' in rt().iter(0, 1), false);
  });
});

eachBackend('consumers', (ctx) => {
  const rt = () => ctx.rt;
  test('collect_count_sum_first', async () => {
    assert.equal(await rt().iter(0, 100).count(), 100);
    assert.equal(await rt().iter(0, 101).sum(), 5050);
    assert.equal(await rt().iter(7, 100).map((x) => x * 2).first(), 14);
    assert.equal(await rt().iter([]).first(), undefined);
    await assert.rejects(rt().iter(['a']).sum(), TypeError);
  });
  test('fold_and_forEach', async () => {
    assert.equal(await rt().iter(1, 5).fold(1, (acc, x) => acc * x), 24);
    assert.equal(await rt().iter(['a', 'b']).fold('', (acc, x, c) => acc + x + c.sep, { context: { sep: '-' } }), 'a-b-');
    assert.equal(await rt().iter(0, 3).forEach((x) => x), undefined);
    globalThis.weirTestSeen = 0;
    await rt().iter(0, 5).forEach(async () => {
      globalThis.weirTestSeen++; // async: runs on this thread (it sees globals, as every stage)
    });
    assert.equal(globalThis.weirTestSeen, 5);
  });
  test('for_await_iterates_and_break_stops', async () => {
    const out = [];
    for await (const v of rt().iter(0, 10).map((x) => x + 1)) out.push(v);
    assert.deepEqual(out, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const some = [];
    for await (const v of rt().iter(0, Infinity)) {
      some.push(v);
      if (some.length === 3) break;
    }
    assert.deepEqual(some, [0, 1, 2]);
  });
});

eachBackend('items', (ctx) => {
  test('items_of_every_kind_travel_through_a_stage', async () => {
    const items = [
      1.5, -0, NaN, 'héllo ✓', '', true, false, null, undefined, [1, [2, 'x']], { a: 1, b: { c: [true] } },
      new Float64Array([1.25, 2]), new Uint8Array([1, 255]),
    ];
    const out = await ctx.rt.iter(items).map((x) => x).collect();
    assert.deepEqual(out, items);
    assert.ok(out[11] instanceof Float64Array);
  });
});

eachBackend('spawn and sleep', (ctx) => {
  test('spawn_runs_a_function_on_a_worker', async () => {
    assert.equal(await ctx.rt.spawn((a, b) => a + b, 2, 3), 5);
    assert.deepEqual(await ctx.rt.spawn((o) => ({ n: o.n * 2 }), { n: 21 }), { n: 42 });
  });
  test('spawn_async_runs_on_the_host', async () => {
    assert.equal(await ctx.rt.spawn(async (x) => x + 1, 1), 2);
  });
  test('spawn_throwing_rejects_with_the_error', async () => {
    await assert.rejects(ctx.rt.spawn(() => {
      throw new RangeError('nope');
    }), (e) => e instanceof WeirStageError && e.cause instanceof RangeError && /nope/.test(e.cause.message));
  });
  test('spawn_rejects_a_non_function', async () => {
    await assert.rejects(ctx.rt.spawn(42), TypeError);
  });
  test('sleep_waits_and_aborts', async () => {
    const t0 = performance.now();
    await ctx.rt.sleep(20);
    assert.ok(performance.now() - t0 >= 19);
    const ac = new AbortController();
    const p = ctx.rt.sleep(10_000, { signal: ac.signal });
    ac.abort(new Error('stop'));
    await assert.rejects(p, /stop/);
    await assert.rejects(ctx.rt.sleep(-1), RangeError);
  });
});

eachBackend('bad arguments', (ctx) => {
  const s = () => ctx.rt.iter(0, 10);
  test('adapters_reject_bad_arguments_where_given', () => {
    assert.throws(() => s().map(42), TypeError);
    assert.throws(() => s().filter('x'), TypeError);
    assert.throws(() => s().map((x) => x).buffered(-1), RangeError);
    assert.throws(() => s().map((x) => x).buffered(0), RangeError);
    assert.throws(() => s().buffered(4), TypeError); // nothing to run at once
    assert.throws(() => s().take(-1), RangeError);
    assert.throws(() => s().skip(1.5), RangeError);
    assert.throws(() => s().chunks(0), RangeError);
    assert.throws(() => s().timeout('1'), TypeError);
    assert.throws(() => s().zip([1, 2]), TypeError);
    assert.throws(() => s().map((x) => x, { contxt: 1 }), TypeError);
    assert.throws(() => s().map(Math.sqrt), /built-in/);
  });
  test('consumers_reject_a_bad_signal', async () => {
    await assert.rejects(s().collect({ signal: 'no' }), TypeError);
  });
});

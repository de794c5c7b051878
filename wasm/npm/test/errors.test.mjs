// Failures: a stage that throws, a stage that uses a variable it cannot see, a stage that
// returns what cannot travel, a closed runtime. Each rejects once, clearly, and (but the closed
// one) leaves the runtime usable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WeirStageError, createRuntime } from 'weir-runtime';
import { BACKENDS, eachBackend } from './helpers.mjs';

eachBackend('stage errors', (ctx) => {
  test('a_throwing_stage_rejects_with_WeirStageError_naming_stage_item_and_cause', async () => {
    const err = await ctx.rt
      .iter(0, 100)
      .map((x) => x + 1)
      .filter((x) => {
        if (x === 42) throw new RangeError('bad item');
        return true;
      })
      .collect()
      .then(() => null, (e) => e);
    assert.ok(err instanceof WeirStageError, String(err));
    assert.equal(err.name, 'WeirStageError');
    assert.equal(err.item, 41); // the filter's 42nd input
    assert.match(err.stage, /^stage 2 \(filter: /);
    assert.ok(err.cause instanceof RangeError);
    assert.equal(err.cause.message, 'bad item');
  });

  test('a_named_stage_is_named_by_its_stage_name', async () => {
    const err = await ctx.rt
      .iter(0, 10)
      .stage('parse', (s) => s.map((x) => {
        if (x === 3) throw new Error('cannot parse');
        return x;
      }))
      .collect()
      .then(() => null, (e) => e);
    assert.equal(err.stage, 'parse');
    assert.equal(err.item, 3);
  });

  test('a_stage_using_an_outer_variable_is_told_to_use_context', async () => {
    const factor = 3;
    const err = await ctx.rt.iter(0, 3).map((x) => x * factor).collect().then(() => null, (e) => e);
    assert.ok(err instanceof WeirStageError);
    assert.match(err.message, /"factor"/);
    assert.match(err.message, /context/);
    assert.equal(err.cause.name, 'ReferenceError');
  });

  test('a_stage_returning_a_function_or_symbol_is_a_TypeError_naming_stage_and_item', async () => {
    const f = await ctx.rt.iter(0, 5).map((x) => (x === 2 ? () => x : x)).collect().then(() => null, (e) => e);
    assert.ok(f instanceof TypeError, String(f));
    assert.match(f.message, /stage 1 \(map: /);
    assert.match(f.message, /item 2/);
    const s = await ctx.rt.iter(0, 5).map((x) => (x === 4 ? Symbol('s') : x)).collect().then(() => null, (e) => e);
    assert.ok(s instanceof TypeError);
    assert.match(s.message, /item 4/);
  });

  test('a_stage_error_s_cause_is_what_the_stage_threw', async () => {
    const causeOf = (s) => s.collect().then(() => null, (e) => (e instanceof WeirStageError ? e.cause : e));
    // A thrown non-Error arrives as itself (a copy, from a worker), not as Error('[object Object]').
    assert.deepEqual(await causeOf(ctx.rt.iter(0, 3).map((x) => { if (x === 1) throw { code: 42 }; return x; })), { code: 42 });
    assert.equal(await causeOf(ctx.rt.iter(0, 3).map((x) => { if (x === 1) throw 'str'; return x; })), 'str');
    const coded = await causeOf(ctx.rt.iter(0, 300).map((x) => {
      if (x === 200) throw Object.assign(new RangeError('bad'), { code: 'E42' });
      return x;
    }).buffered(10));
    assert.ok(coded instanceof RangeError, String(coded));
    assert.equal(coded.message, 'bad');
    assert.equal(coded.code, 'E42');
    // Values that String() refuses still make a WeirStageError, naming what they can.
    const sym = await ctx.rt.iter(0, 3).map((x) => { if (x === 1) throw Symbol('s'); return x; }).collect().then(() => null, (e) => e);
    assert.ok(sym instanceof WeirStageError, String(sym));
    assert.match(sym.message, /Symbol\(s\)/);
    const bare = await ctx.rt.iter(0, 3).map(async (x) => {
      if (x === 1) throw Object.create(null);
      return x;
    }).collect().then(() => null, (e) => e);
    assert.ok(bare instanceof WeirStageError, String(bare));
    if (ctx.backend === 'event-loop') {
      // One thread: the very object. (A global, which a stage function on the host can see.)
      globalThis.weirTestThrown = new Error('this one');
      const same = await causeOf(ctx.rt.iter(0, 3).map((x) => { if (x === 2) throw globalThis.weirTestThrown; return x; }));
      assert.equal(same, globalThis.weirTestThrown);
      delete globalThis.weirTestThrown;
    }
  });

  test('an_async_stage_returning_a_function_or_symbol_is_a_TypeError_naming_stage_and_item', async () => {
    const f = await ctx.rt.iter(0, 5).map(async (x) => (x === 2 ? () => x : x)).collect().then(() => null, (e) => e);
    assert.ok(f instanceof TypeError, String(f));
    assert.match(f.message, /stage 1 \(map: /);
    assert.match(f.message, /item 2/);
    const s = await ctx.rt.iter(0, 5).map(async (x) => (x === 4 ? Symbol('s') : x)).buffered(2).collect().then(() => null, (e) => e);
    assert.ok(s instanceof TypeError, String(s));
    assert.match(s.message, /item 4/);
    // forEach ignores what its function returns, async or not (an unsubscribe function, say).
    await ctx.rt.iter(0, 3).forEach(async (x) => () => x);
    const spawned = await ctx.rt.spawn(async () => Symbol('z')).then(() => null, (e) => e);
    assert.ok(spawned instanceof TypeError, String(spawned));
    assert.deepEqual(await ctx.rt.iter(0, 3).map(async (x) => x + 1).collect(), [1, 2, 3]);
  });

  test('a_throw_at_item_5000_of_10000_under_buffered_100_rejects_once_and_the_runtime_goes_on', async () => {
    let rejections = 0;
    const p = ctx.rt
      .iter(0, 10_000)
      .map((x) => {
        if (x === 5000) throw new Error('five thousand');
        return x * 2;
      })
      .buffered(100)
      .collect();
    p.catch(() => rejections++);
    const err = await p.then(() => null, (e) => e);
    assert.equal(err.item, 5000);
    assert.equal(err.cause.message, 'five thousand');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(rejections, 1);
    const sum = await ctx.rt.iter(0, 10_000).map((x) => x * 2).buffered(100).sum();
    assert.equal(sum, 99_990_000);
  });

  test('an_async_stage_that_rejects_rejects_the_consumer', async () => {
    const err = await ctx.rt
      .iter(0, 20)
      .map(async (x) => {
        if (x === 7) throw new TypeError('async no');
        return x;
      })
      .buffered(5)
      .collect()
      .then(() => null, (e) => e);
    assert.ok(err instanceof WeirStageError);
    assert.equal(err.item, 7);
    assert.ok(err.cause instanceof TypeError);
  });

  for (const kind of ['buffered', 'bufferUnordered']) {
    test(`no_async_call_starts_after_a_call_rejected_under_${kind}`, async () => {
      // Item 1 rejects in the same turn of the event loop as other calls settle; the stage
      // waits for that turn's end before it hands results on, and must not refill its window
      // with new calls then (docs/npm.md: after a failure no new stage call starts).
      globalThis.weirTestLog = [];
      const err = await ctx.rt
        .iter(0, 100)
        .map(async (x) => {
          globalThis.weirTestLog.push(`call ${x}`);
          await new Promise((resolve) => setImmediate(resolve));
          if (x === 1) {
            globalThis.weirTestLog.push('rejected');
            throw new RangeError('no');
          }
          return x;
        })
        [kind](4)
        .collect()
        .then(() => null, (e) => e);
      const log = globalThis.weirTestLog;
      delete globalThis.weirTestLog;
      assert.ok(err instanceof WeirStageError, String(err));
      assert.equal(err.item, 1);
      const at = log.indexOf('rejected');
      assert.ok(at >= 0);
      assert.deepEqual(log.slice(at + 1).filter((e) => e.startsWith('call')), [], log.join(', '));
    });
  }

  test('results_before_a_rejected_call_are_handed_on_before_the_failure', async () => {
    globalThis.weirTestSeen = [];
    const err = await ctx.rt
      .iter(0, 10)
      .map(async (x) => {
        await new Promise((resolve) => setImmediate(resolve));
        if (x === 1) throw new RangeError('no');
        return x;
      })
      .buffered(4)
      .forEach(async (x) => {
        globalThis.weirTestSeen.push(x);
      })
      .then(() => null, (e) => e);
    const seen = globalThis.weirTestSeen;
    delete globalThis.weirTestSeen;
    assert.ok(err instanceof WeirStageError, String(err));
    assert.equal(err.item, 1);
    assert.deepEqual(seen, [0]);
  });

  test('a_non_async_function_returning_a_promise_runs_on_the_host', async () => {
    const out = await ctx.rt.iter(0, 5).map((x) => Promise.resolve(x * 3)).buffered(2).collect();
    assert.deepEqual(out, [0, 3, 6, 9, 12]);
  });
});

for (const backend of BACKENDS) {
  test(`a_closed_runtime_refuses_everything_with_runtime_is_closed [${backend}]`, async () => {
    const rt = await createRuntime({ backend, workers: 2 });
    const s = rt.iter(0, 10);
    await rt.close();
    await rt.close(); // idempotent
    assert.throws(() => rt.iter(0, 1), /^Error: runtime is closed$/);
    await assert.rejects(s.collect(), /runtime is closed/);
    await assert.rejects(rt.spawn((x) => x, 1), /runtime is closed/);
    await assert.rejects(rt.sleep(1), /runtime is closed/);
    assert.throws(() => rt.metrics(), /runtime is closed/);
    assert.throws(() => rt.trace.start(), /runtime is closed/);
  });

  test(`close_during_a_run_rejects_it_with_runtime_is_closed [${backend}]`, async () => {
    const rt = await createRuntime({ backend, workers: 2 });
    const p = rt.iter(0, Infinity).map((x) => x + 1).collect().then(() => null, (e) => e);
    await new Promise((r) => setTimeout(r, 30));
    await rt.close();
    assert.match(String(await p), /runtime is closed/);
  });
}

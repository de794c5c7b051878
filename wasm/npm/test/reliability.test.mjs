// Reliability: a thousand runs leave memory where it was; aborts in the middle of runs leave the
// runtime usable and memory where it was. "Flat" means: after the first 10 runs (caches,
// compiled functions, the allocator's first arenas), within 1 MiB, on the wasm heap (malloc's
// count) and on the JavaScript heap (after a full collection).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { eachBackend } from './helpers.mjs';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

function memory(rt) {
  gc();
  gc();
  return { wasm: rt.engine.native.heapUsed(), js: process.memoryUsage().heapUsed };
}

const MiB = 1 << 20;

eachBackend('reliability', (ctx) => {
  test('a_thousand_runs_of_a_10000_item_pipeline_leave_both_heaps_flat', async () => {
    const run = () => ctx.rt.iter(0, 10_000).map((x) => x * 2).filter((x) => x % 3 === 0).map((x, c) => ({ v: x + c.k }), { context: { k: 1 } }).collect();
    let base = null;
    for (let i = 0; i < 1000; i++) {
      const out = await run();
      assert.equal(out.length, 3334);
      if (i === 9) base = memory(ctx.rt);
    }
    const end = memory(ctx.rt);
    const grew = { wasm: end.wasm - base.wasm, js: end.js - base.js };
    console.log(`1000 runs [${ctx.backend}]: wasm heap ${base.wasm} -> ${end.wasm} bytes, JS heap ${base.js} -> ${end.js} bytes`);
    assert.ok(grew.wasm < MiB, `wasm heap grew by ${grew.wasm} bytes`);
    assert.ok(grew.js < MiB, `JS heap grew by ${grew.js} bytes`);
  });

  test('a_hundred_aborts_in_the_middle_of_runs_leave_the_runtime_usable_and_memory_flat', async () => {
    const slow = (x) => {
      const end = Date.now() + 0.2;
      while (Date.now() < end) {
        // a little work per item
      }
      return x;
    };
    let base = null;
    let aborted = 0;
    for (let i = 0; i < 100; i++) {
      const ac = new AbortController();
      const p = ctx.rt.iter(0, 1_000_000).map(slow).buffered(16).filter((x) => x % 2 === 0).collect({ signal: ac.signal });
      setTimeout(() => ac.abort(new Error('stop')), 3);
      const r = await p.then(() => 'done', (e) => e.message);
      if (r === 'stop') aborted++;
      if (i === 9) base = memory(ctx.rt);
    }
    assert.equal(aborted, 100);
    assert.equal(await ctx.rt.iter(0, 100).map((x) => x + 1).sum(), 5050);
    const end = memory(ctx.rt);
    console.log(`100 aborts [${ctx.backend}]: wasm heap ${base.wasm} -> ${end.wasm} bytes, JS heap ${base.js} -> ${end.js} bytes`);
    assert.ok(end.wasm - base.wasm < MiB, `wasm heap grew by ${end.wasm - base.wasm} bytes`);
    assert.ok(end.js - base.js < MiB, `JS heap grew by ${end.js - base.js} bytes`);
  });
});

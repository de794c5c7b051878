// Lifecycle: a Node script that never calls close() still exits by itself, in both builds (the
// pool's workers do not keep Node alive; nothing is left scheduled by an idle runtime).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKENDS } from './helpers.mjs';

const pkg = import.meta.resolve('weir-runtime');

/**
 * Runs script as a module in a new Node and asserts that Node exited by itself (within 30 s)
 * with status 0; returns spawnSync's result. A file, not -e: the pool's workers inherit Node's
 * flags, and --input-type would stop them.
 */
function runExitingScript(script) {
  const dir = mkdtempSync(join(tmpdir(), 'weir-exit-'));
  const file = join(dir, 'script.mjs');
  writeFileSync(file, script);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 30_000 });
  const ms = performance.now() - t0;
  rmSync(dir, { recursive: true, force: true });
  assert.equal(r.signal, null, `killed after ${ms.toFixed(0)} ms: Node did not exit by itself`);
  assert.equal(r.status, 0, r.stderr);
  return r;
}

for (const backend of BACKENDS) {
  test(`node_exits_after_a_script_that_never_calls_close [${backend}]`, () => {
    const script = `
      const { createRuntime } = await import(${JSON.stringify(pkg)});
      const rt = await createRuntime({ backend: ${JSON.stringify(backend)}, workers: 2 });
      console.log(await rt.iter(0, 1000).map((x) => x * 2).buffered(50).sum());
      await rt.sleep(5);
      rt.trace.subscribe(() => {});   // a live feed, never closed, must not hold Node either
    `;
    const r = runExitingScript(script);
    assert.equal(r.stdout.trim(), '999000');
  });

  test(`node_exits_after_close_with_jobs_and_timers_in_flight [${backend}]`, () => {
    // close() while jobs and a timer are out: the runs reject, and nothing the runtime made
    // (its keep-alive handle, its workers) holds the process afterwards.
    const script = `
      const { createRuntime } = await import(${JSON.stringify(pkg)});
      const rt = await createRuntime({ backend: ${JSON.stringify(backend)}, workers: 2 });
      const slow = (x) => { const end = Date.now() + 1; while (Date.now() < end) {} return x; };
      const run = rt.iter(0, 1_000_000).map(slow).buffered(8).collect().then(() => 'done', (e) => e.message);
      const nap = rt.sleep(60_000).then(() => 'woke', (e) => e.message);
      await new Promise((r) => setTimeout(r, 50));
      await rt.close();
      console.log(await run, '/', await nap);
    `;
    const r = runExitingScript(script);
    assert.equal(r.stdout.trim(), 'runtime is closed / runtime is closed');
  });

  test(`node_exits_soon_after_an_aborted_sleep_without_close [${backend}]`, () => {
    // The aborted timer was the runtime's earliest: the next deadline must move past it, or the
    // event-loop build keeps a host timer armed for it (and Node running) for 100 s.
    const script = `
      const { createRuntime } = await import(${JSON.stringify(pkg)});
      const rt = await createRuntime({ backend: ${JSON.stringify(backend)}, workers: 2 });
      const ac = new AbortController();
      const p = rt.sleep(100_000, { signal: ac.signal });
      await rt.sleep(5); // a timer fires first: the stored deadline is then a wheel slot's start
      setTimeout(() => ac.abort(new Error('stop')), 20);
      console.log(await p.then(() => 'woke', (e) => e.message));
    `;
    const t0 = performance.now();
    const r = runExitingScript(script);
    const ms = performance.now() - t0;
    assert.equal(r.stdout.trim(), 'stop');
    assert.ok(ms < 20_000, `Node took ${ms.toFixed(0)} ms to exit`);
  });

  test(`a_spawn_in_progress_when_the_runtime_closes_rejects [${backend}]`, async () => {
    const { createRuntime } = await import(pkg);
    const rt = await createRuntime({ backend, workers: 2 });
    // Its function never settles: the spawn must reject at close, not wait for it.
    const a = rt.spawn(async () => {
      await new Promise(() => {});
    });
    const settled = a.then((v) => v, (e) => e.message);
    await new Promise((r) => setTimeout(r, 20));
    await rt.close();
    const guard = new Promise((r) => setTimeout(r, 10_000, 'still pending'));
    assert.equal(await Promise.race([settled, guard]), 'runtime is closed');
  });
}

test('the_threads_build_works_from_node_input_type_module_eval', () => {
  // The pool's workers would inherit --input-type, which Node refuses outside -e (glue/node_workers.js).
  const script = `
    const { createRuntime } = await import(${JSON.stringify(pkg)});
    const rt = await createRuntime({ backend: 'threads', workers: 2 });
    console.log(await rt.iter(0, 100).map((x) => x * 2).sum());
    await rt.close();`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '9900');
});

test('the_threads_build_works_under_flags_a_worker_refuses', () => {
  // --expose-gc and --stack-size are refused in a worker's explicit execArgv (Node inherits them
  // silently otherwise): with and without -e, which makes the glue pass the flags explicitly.
  const script = `
    const { createRuntime } = await import(${JSON.stringify(pkg)});
    const rt = await createRuntime({ backend: 'threads', workers: 2 });
    console.log(await rt.iter(0, 100).map((x) => x * 2).buffered(10).sum());
    await rt.close();`;
  const dir = mkdtempSync(join(tmpdir(), 'weir-flags-'));
  const file = join(dir, 'script.mjs');
  writeFileSync(file, script);
  const runs = [
    ['--expose-gc', file],
    ['--expose-gc', '--stack-size=900', '--input-type=module', '-e', script],
  ];
  try {
    for (const args of runs) {
      const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, `${args.slice(0, 2).join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout.trim(), '9900');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

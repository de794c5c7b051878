// bench/npm/systems.mjs, weir-runtime's entries for the npm peer benchmarks: the harness finds a
// system by its id alone, so ids must be unique (a shared id once made the pipe and async rows
// run the cpu benchmark), and every benchmark has an entry per build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import systems from '../../../bench/npm/systems.mjs';

test('bench_systems_have_unique_ids_and_cover_every_benchmark_per_build', () => {
  const ids = systems.map((s) => s.id);
  assert.equal(new Set(ids).size, ids.length, `duplicate ids: ${ids.join(', ')}`);
  for (const bench of ['cpu', 'pipe', 'async']) {
    const of = systems.filter((s) => s.bench === bench).map((s) => s.id);
    assert.equal(of.length, 2, `${bench}: ${of.join(', ')}`);
    assert.ok(of.some((id) => id.startsWith('weir-threads')), `${bench}: no threads build`);
    assert.ok(of.some((id) => id.startsWith('weir-event-loop')), `${bench}: no event-loop build`);
  }
  for (const s of systems) assert.equal(typeof s.make, 'function', s.id);
});

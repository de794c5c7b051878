// How a stage's job size follows its calls' pace (src/engine/job_size.mjs): it grows while jobs
// are quick, stays put while they take a few milliseconds, and comes back down when the calls
// become slow, so that a job of the event-loop build never holds the host for long.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_JOB, grownSize } from '../src/engine/job_size.mjs';

test('job_size_grows_after_quick_jobs_up_to_the_cap', () => {
  assert.equal(grownSize(1, 1, 0.01), 100); // 0.01 ms an item: 1 ms of calls fits 100
  assert.equal(grownSize(100, 100, 0.5), 200); // twice, or what fits 1 ms: both 200
  assert.equal(grownSize(MAX_JOB, MAX_JOB, 0.1), MAX_JOB);
});

test('job_size_stays_while_jobs_take_a_few_milliseconds', () => {
  assert.equal(grownSize(20, 20, 3.5), 20);
  assert.equal(grownSize(40, 40, 7.9), 40);
});

test('job_size_shrinks_when_calls_become_slow_and_then_holds', () => {
  // Grown to 50 on cheap items, then 20 ms items: one item a job from then on.
  assert.equal(grownSize(50, 50, 1000), 1);
  assert.equal(grownSize(1, 1, 20), 1);
  // 0.5 ms items after a size of 200: back to about 2 ms of calls, and no oscillation after.
  const s = grownSize(200, 200, 100);
  assert.equal(s, 4);
  assert.equal(grownSize(s, s, s * 0.5), s);
});

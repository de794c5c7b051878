// A guard against a V8 tiering trap that can leave one worker running a stage function at a
// third of its speed for the rest of the process.
//
// Measured with Node 20 (V8 11.3) on the cpu benchmark (a ~200 µs integer loop per item, 2
// workers): in about one process in four, one worker's jobs took 3.5× as long per item as the
// other's, from the first job to the last. `--trace-osr` showed why: on that worker every call
// of the function entered its loop through on-stack replacement ("OSR - entry", 2,505 times for
// 2,500 calls), and `--trace-deopt` showed that OSR code deoptimizing at the function's return
// on every call ("insufficient type feedback"). The function's first call is long: its loop is
// compiled by OSR before the code after the loop ever ran, so that code has no type feedback;
// the function's regular optimized code, compiled during that first call too, lacked feedback
// for the code before the loop and was thrown away on the second call; from then on each call
// starts unoptimized, spends part of its loop there, enters the stale OSR code and leaves it
// through a deoptimization. With `--no-sparkplug` it never happened (0 of 14 processes), which
// no library may set for its user. A worker cannot see this in V8, but it can see the effect:
// the same function, on similar items, is several times slower on it than on another worker.
//
// So each worker times its jobs of a stage (the runner already does: RUN_MS) and compares its
// time per item with the best any worker has seen for that stage (a word of the stage
// descriptor in shared memory). A worker that is SLOWER× behind on STREAK jobs in a row compiles
// the function again from its source, as a new function (a new script, so no state of the old
// one carries over), at most MAX_RECOMPILES times per stage. A fresh function goes through its
// first call again, so it can fall into the trap again (as likely as the first time); the
// cap bounds what a false alarm can cost (items whose cost differs by input, handed unevenly to
// the workers): a recompilation costs one cold call.
import { D } from './job_layout.mjs';

/** How much slower per item than the best a job must be to count against its worker. */
export const SLOWER = 2.5;
/** Jobs in a row that must be that slow before the function is compiled again. */
export const STREAK = 3;
/** Recompilations per stage and worker, at most. */
export const MAX_RECOMPILES = 3;
/** Jobs shorter than this are not timed against others (their clock noise is too large). */
const MIN_JOB_MS = 1;
const MAX_NS = 0x7fffffff;

/**
 * After a job of stage entry s (the runner's cache entry: fn, source, slowJobs, recompiles)
 * whose `done` calls took runMs: records its time per item in the descriptor at word d (in i32,
 * a view of shared memory), and returns true when the function should be compiled again.
 */
export function slowerThanTheBest(s, i32, d, runMs, done) {
  if (done < 1 || runMs < MIN_JOB_MS) return false;
  const per = Math.min(MAX_NS, Math.max(1, Math.round((runMs * 1e6) / done)));
  const at = d + D.BEST_NS;
  let best = Atomics.load(i32, at);
  // A racy minimum: two workers may both write; either value is a time one of them measured.
  if (best === 0 || per < best) {
    Atomics.store(i32, at, per);
    best = per;
  }
  if (per <= SLOWER * best) {
    s.slowJobs = 0;
    return false;
  }
  if (++s.slowJobs < STREAK || s.recompiles >= MAX_RECOMPILES) return false;
  s.slowJobs = 0;
  s.recompiles++;
  return true;
}

// How big a job is: the most items one takes (MAX_JOB) and the rule by which a stage's job size
// grows after each quick job (grownSize). A job costs a task and a hop to a worker and back
// (10-20 µs) whatever its size, so jobs should be large; but a job also runs its calls past what
// a take() or an abort still needs, so they start at one item and grow only while they are
// quick. One rule, used by a lone stage (calls.mjs) and by a fused chain (fused.mjs) alike.
import { BIG_PULL } from './sources.mjs';

/**
 * The most items a job takes: a chunk of BIG_PULL (sources.mjs says why no more: its arrays
 * would cost 30 ns an item in V8's large-object space). 8,192 cheap calls take about 50 µs,
 * against a hop to a worker and back of 10-20.
 */
export const MAX_JOB = BIG_PULL;
/**
 * A job whose calls took less than this makes the next one twice as big (up to the cap): the
 * cost of a job (a task, a hop to a worker and back) is then small against its calls, while a
 * job stays short enough that a take() or an abort wastes little.
 */
const GROW_BELOW_MS = 2;
/** A job whose calls took this long or more makes the next one smaller (the event-loop slice's budget). */
const SHRINK_ABOVE_MS = 8;

/**
 * The job size after a job of `count` items whose calls took runMs: unchanged after a slow job,
 * smaller after a very slow one (SHRINK_ABOVE_MS); after a quick one (full or not: after a filter the chunks a stage gets are smaller than it
 * asked for, and a size that grew only on full jobs would stay at one item and pull its upstream
 * one item at a time too), twice as big, or at once the size whose calls would take half of
 * GROW_BELOW_MS at this job's pace. The size only bounds jobs: a consumer that wants few items
 * still gets jobs of what it wants, so take(10) after a map stays about ten calls.
 */
export function grownSize(size, count, runMs) {
  if (runMs >= SHRINK_ABOVE_MS) {
    // Calls that became slow (cheap items, then 20 ms ones): jobs of a size grown on the cheap
    // ones would hold the event-loop build's host for a second each, and an abort with them.
    // Back to about GROW_BELOW_MS of calls, which the rule above then keeps (no oscillation:
    // twice that stays below this bound).
    return Math.max(1, Math.min(size, Math.floor(GROW_BELOW_MS / (runMs / Math.max(1, count)))));
  }
  if (runMs >= GROW_BELOW_MS) return size;
  const pace = runMs / Math.max(1, count); // ms an item
  const fits = pace > 0 ? Math.floor(GROW_BELOW_MS / 2 / pace) : MAX_JOB;
  return Math.min(MAX_JOB, Math.max(size * 2, fits));
}

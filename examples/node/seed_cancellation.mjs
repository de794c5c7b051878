// Seed example 3 in JavaScript (examples/seed/seed_cancellation.cpp): cancellation. A ticker gets
// a child signal of the parent's AbortController (the C++ child token) and ticks every 100 ms on
// a weir timer (rt.sleep) that the signal cancels. After 500 ms the parent aborts; the child
// signal aborts with it, the pending sleep rejects, and the ticker returns normally. The exact
// tick count depends on timing, so the program prints it only when it is not about 5.
//
// Each tick sleeps until its own deadline (100 ms, 200 ms, ... after the start) rather than for
// 100 ms after the previous one, so that the time it takes to start each sleep does not add up
// on a loaded machine (weir::stream::interval's rule: a late tick does not delay the next).
import { createRuntime } from 'weir-runtime';

/** Ticks every 100 ms until signal aborts; gives the number of ticks. */
async function ticker(rt, signal) {
  const start = performance.now();
  let iterations = 0;
  for (;;) {
    const wait = Math.max(0, start + 100 * (iterations + 1) - performance.now());
    try {
      await rt.sleep(wait, { signal }); // the sleep races the signal, as select(token, sleep)
    } catch (e) {
      if (signal.aborted) break; // the signal won: stop gracefully
      throw e;
    }
    ++iterations; // the sleep won: one iteration
  }
  return iterations;
}

const rt = await createRuntime();
const parent = new AbortController();
const child = AbortSignal.any([parent.signal]); // aborted whenever the parent is
const worker = ticker(rt, child);
await rt.sleep(500);
parent.abort();
const iterations = await worker; // resolves normally: no exception
await rt.close();

console.log('parent cancelled its token after 500 ms');
console.log(`child token cancelled with it: ${child.aborted ? 'yes' : 'no'}`);
if (iterations >= 4 && iterations <= 6) console.log('child stopped gracefully after about 5 iterations');
else console.log(`child stopped gracefully after ${iterations} iterations (expected about 5)`);

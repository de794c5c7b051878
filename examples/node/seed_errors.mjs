// Seed example 4 in JavaScript (examples/seed/seed_errors.cpp): errors. tryJoin runs three steps
// at once. When all succeed it gives their three values; when one fails, it aborts the other two
// (their weir timers are cancelled and their cleanup runs), waits until they have stopped and
// rethrows the error. A step sleeps on a weir timer, then does its work on a pool worker
// (rt.spawn): the work that throws there reaches us as a WeirStageError whose cause is the
// worker's error.
import { createRuntime, WeirStageError } from 'weir-runtime';

let cancelledCount = 0;

/** Sleeps delayMs, then gives value from a worker, or throws there if fail. Counts cancellations. */
async function step(rt, name, value, delayMs, fail, signal) {
  try {
    await rt.sleep(delayMs, { signal });
  } catch (e) {
    if (signal.aborted) cancelledCount++;
    throw e;
  }
  return rt.spawn(
    (name, value, fail) => {
      if (fail) throw new Error(`${name} failed`);
      return value;
    },
    name,
    value,
    fail,
  );
}

/**
 * Runs every step(signal) at once; their values in order. The first failure aborts the others'
 * signal, and is rethrown once every step has stopped.
 */
async function tryJoin(...steps) {
  const ac = new AbortController();
  const runs = steps.map((s) =>
    s(ac.signal).catch((e) => {
      if (!ac.signal.aborted) ac.abort(e);
      throw e;
    }),
  );
  const settled = await Promise.allSettled(runs);
  if (ac.signal.aborted) throw ac.signal.reason;
  return settled.map((r) => r.value);
}

/** What the program reports of an error: a stage error's cause, else the error itself. */
function what(e) {
  const cause = e instanceof WeirStageError ? e.cause : e;
  return cause instanceof Error ? cause.message : String(cause);
}

const rt = await createRuntime();
const [a, b, c] = await tryJoin(
  (signal) => step(rt, 'a', 1, 20, false, signal),
  (signal) => step(rt, 'b', 2, 10, false, signal),
  (signal) => step(rt, 'c', 3, 30, false, signal),
);

cancelledCount = 0;
const t0 = performance.now();
let error;
try {
  await tryJoin(
    (signal) => step(rt, 'a', 1, 10_000, false, signal),
    (signal) => step(rt, 'b', 2, 10, true, signal),
    (signal) => step(rt, 'c', 3, 10_000, false, signal),
  );
  error = '(no error)';
} catch (e) {
  error = what(e);
}
const returnedEarly = performance.now() - t0 < 5000;
await rt.close();

console.log(`all succeed: a = ${a}, b = ${b}, c = ${c}`);
console.log(`b fails: try_join threw "${error}"`);
console.log(`others cancelled: ${cancelledCount}`);
console.log(
  `try_join returned ${returnedEarly ? 'at once, without waiting for their 10 s sleeps' : 'only after the 10 s sleeps (not cancelled!)'}`,
);

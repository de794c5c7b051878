// Shared by the package's tests (node --test): the backends to run each test on, and a runtime
// per test that is closed afterwards. The tests import the package by its name, so they run
// the same against the source tree (the package imports itself through its "exports") and
// against the packed tarball installed into a fresh project (scripts/test.sh, suite npm).
import { after, before, describe } from 'node:test';
import { createRuntime } from 'weir-runtime';

/** The builds to test: WEIR_BACKENDS="threads event-loop" by default. */
export const BACKENDS = (process.env.WEIR_BACKENDS ?? 'threads event-loop').split(/\s+/).filter(Boolean);

/**
 * describe(name) once per backend, with ctx.rt a runtime of that backend (2 workers where it
 * has threads), made before the tests and closed after them.
 */
export function eachBackend(name, body, options = {}) {
  for (const backend of BACKENDS) {
    describe(`${name} [${backend}]`, () => {
      const ctx = { backend, rt: null };
      before(async () => {
        ctx.rt = await createRuntime({ backend, workers: 2, ...options });
      });
      after(async () => {
        await ctx.rt?.close();
      });
      body(ctx);
    });
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

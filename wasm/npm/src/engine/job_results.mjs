// What a job's result means for the stage that sent it: the items it hands on (outputOf: a
// filter's mask selects from the input, a map's results replace it), or, for a job that failed,
// the error the run fails with (failJob: the stage and item named, a promise returned by a
// synchronous function explained). Shared by a lone stage (calls.mjs) and a fused chain
// (fused.mjs), so that both report a failure in the same words.
import { reviveError, stageError } from '../errors.mjs';
import { STAGE, STATUS } from './job_layout.mjs';

/** What items may be, for the TypeErrors that refuse one. */
export const ITEM_KINDS = 'items must be numbers, strings, booleans, null, undefined, arrays, plain objects or typed arrays';

/** What a stage's output is, given its input items and a job's result. */
export function outputOf(kind, items, r) {
  switch (kind) {
    case STAGE.MAP:
    case STAGE.FILTER_MAP:
    case STAGE.FLAT_MAP:
    case STAGE.SCAN:
      return r.items;
    case STAGE.FILTER: {
      const mask = r.mask;
      const out = [];
      for (let i = 0; i < items.length; i++) if (mask[i]) out.push(items[i]);
      return out;
    }
    case STAGE.INSPECT:
      return items;
    default: // fold, forEach: nothing goes on
      return [];
  }
}

/** Throws what a failed job means for the run (and fails the run with it). */
export function failJob(run, desc, base, r) {
  if (r.cancelled || r.status === STATUS.STOPPED) {
    run.check(); // the run failed or was aborted: that is the error
    throw new Error('runtime is closed');
  }
  const item = base + r.done;
  let error;
  if (r.status === STATUS.THENABLE) {
    error = new TypeError(
      `${desc.label} returned a promise for item ${item} after returning plain values, so it ` +
        'ran as a synchronous function, where a promise cannot be awaited: declare it async ' +
        '(async functions run on the host thread, where promises settle)',
    );
  } else if (r.error.codec) {
    error = new TypeError(`${r.error.message}: ${ITEM_KINDS}`);
  } else {
    error = stageError(desc.label, item, reviveError(r.error));
  }
  run.fail(error);
  throw error;
}

// What the page and the runner worker say to each other, in one place so both sides agree.
//
// page -> runner:  { type: 'run', id, code, workers, backend }
// runner -> page:  { type: 'ready', isolated }                     the worker has started
//                  { type: 'started', id, backend, workers, createMs }
//                  { type: 'console', id, level, text }            the user's console
//                  { type: 'trace', id, events: Float64Array, names: [[id, name]], pipelines }
//                  { type: 'error', id, error }                    see describeError (user_code.js)
//                  { type: 'done', id, ok, result?, ms, perfetto, dropped }
//
// Trace events travel packed, EVENT_WORDS numbers each (kind code, ts, worker, task, a, b,
// stage name id or -1, count or -1) in a transferred Float64Array: a batch of a thousand
// events is one copy, not a thousand objects to clone.

export const EVENT_WORDS = 8;

/** Event kinds by code (weir-runtime's TraceEventKind, in its own order). */
export const KINDS = [
  'spawn', 'poll_begin', 'poll_end', 'wake', 'steal', 'park', 'unpark', 'timer_fired',
  'io_completed', 'finish', 'lost_waker', 'stage_in', 'stage_out', 'stage_in_flight',
  'channel_depth',
];

export const K = Object.fromEntries(KINDS.map((k, i) => [k, i]));

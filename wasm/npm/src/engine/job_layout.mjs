// The memory layout of a job and of a stage descriptor, shared by the host engine (which writes
// a job and reads its results) and the job runner (which runs it in a worker's, or the host's,
// JavaScript context). Both live in the wasm module's linear memory: in the threads build that
// memory is the only thing a worker can read while it runs (it sits in the C++ scheduler and
// takes no messages). The C++ side (bindings/bindings.cpp) only passes a job's address along.
//
// A job is one batch of calls of ONE stage function over a chunk of items (or, fused, of a chain
// of stages called on each item in turn: CHAIN_PTR):
//   header (JOB_BYTES, 8-byte aligned), Int32 fields at these word offsets:
export const J = {
  STAGE: 0, //      address of the stage descriptor
  STATUS: 1, //     written by the runner: one of STATUS below
  IN_KIND: 2, //    CHUNK kind of the items in
  IN_PTR: 3, //     address of the items (f64 array or codec bytes); stash id for STASH
  IN_LEN: 4, //     bytes (ANY) or 0
  IN_COUNT: 5, //   number of items in
  CANCEL: 6, //     address of the pipeline's Int32 cancel flag (nonzero: stop before the next item)
  OUT_KIND: 7, //   written by the runner: CHUNK kind of the items out (map, filterMap, flatMap, scan)
  OUT_PTR: 8, //    malloc'd by the runner (freed by the host), or a stash id
  OUT_LEN: 9,
  OUT_COUNT: 10, // items out; for filter/takeWhile/skipWhile: see the stage kinds
  DONE: 11, //      items of the input the runner got through (all of them unless it stopped)
  ERR_PTR: 12, //   on STATUS.ERROR: codec bytes of [name, message, stack, referenceName]
  ERR_LEN: 13,
  STATE_KIND: 14, // scan/fold: the accumulator in (written by the host) and out (by the runner)
  STATE_PTR: 15,
  STATE_LEN: 16,
  ID: 17, //        the host's id of the job (for tracing and debugging)
  BASE: 18, //      Float64 at this word (byte 72): the stage-input index of the first item in
  RUN_MS: 20, //    Float64 at this word (byte 80), by the runner: how long the calls took
  // A fused job (fused.mjs) calls a chain of stages per item instead of one stage per job:
  CHAIN_PTR: 22, // 0 for a one-stage job; else CHAIN_LEN stage descriptor addresses, followed
  //                by CHAIN_LEN Int32 counts the runner writes: the items each stage took in
  CHAIN_LEN: 23,
  FAIL_STAGE: 24, // on STATUS.ERROR or THENABLE: the position in the chain of the stage at fault
};
export const JOB_WORDS = 26;
export const JOB_BYTES = JOB_WORDS * 4;

export const STATUS = {
  PENDING: 0,
  OK: 1,
  ERROR: 2, //      the stage threw at item DONE (or returned what cannot be sent: see ERR)
  STOPPED: 3, //    the cancel flag was seen before item DONE
  THENABLE: 4, //   the stage returned a promise at item DONE: it belongs on the host
};

export const CHUNK = {
  F64: 0, //  IN_PTR/OUT_PTR: a Float64Array of COUNT numbers
  ANY: 1, //  codec bytes (wasm/npm/src/codec.mjs) of COUNT items
  STASH: 2, // event-loop build only: the items stay a JavaScript array, held by id
  NONE: 3, // no items (filter's mask, forEach, inspect: the host keeps the input)
  MASK: 4, // one byte per input item: 1 kept, 0 dropped (filter)
};

// A stage descriptor (DESC_BYTES), Int32 fields at these word offsets. Made once per distinct
// (kind, source, context) by the host and kept while a pipeline uses it; the runner compiles
// the source once per context and key (a small cache in every worker).
export const D = {
  KEY: 0, //      unique per (kind, source, context)
  KIND: 1, //     STAGE below
  SRC_PTR: 2, //  UTF-8 source of the function
  SRC_LEN: 3,
  CTX_PTR: 4, //  codec bytes of [context] (ANY chunk of one item)
  CTX_LEN: 5,
  LABEL_PTR: 6, // UTF-8 label used in errors ("stage 2 (map: x => x * x)")
  LABEL_LEN: 7,
  ARITY: 8, //    call: the number of items that are arguments
  BEST_NS: 9, //  the least time per item (ns) any worker measured for a job of it; 0: none yet
  //              (written by the runners: jit_guard.mjs)
};
export const DESC_WORDS = 10;
export const DESC_BYTES = DESC_WORDS * 4 + 4;

export const STAGE = {
  MAP: 0, //        f(x, ctx) -> y; out: the ys
  FILTER: 1, //     p(x, ctx) -> keep; out: MASK
  FILTER_MAP: 2, // f(x, ctx) -> y or undefined (dropped); out: the kept ys
  FLAT_MAP: 3, //   f(x, ctx) -> array or iterable; out: the items, flattened
  INSPECT: 4, //    f(x, ctx); out: NONE (the host passes the input on)
  TAKE_WHILE: 5, // p(x, ctx); DONE: index of the first false (the stream ends there)
  SKIP_WHILE: 6, // p(x, ctx); DONE: index of the first false (skipping ends there)
  SCAN: 7, //       acc = f(acc, x, ctx), out: each acc; state: acc in and out
  FOLD: 8, //       acc = f(acc, x, ctx); state: acc in and out; out: NONE
  FOR_EACH: 9, //   f(x, ctx); out: NONE
  CALL: 10, //      f(...items, ctx) once; out: its value (rt.spawn)
};
export const STAGE_NAMES = [
  'map', 'filter', 'filterMap', 'flatMap', 'inspect', 'takeWhile', 'skipWhile', 'scan', 'fold',
  'forEach', 'spawn',
];

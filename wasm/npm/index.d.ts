// Type declarations of weir-runtime: stream pipelines whose JavaScript stage functions run in
// parallel on weir's work-stealing pool of workers (or, where threads cannot be had, in slices on
// the event loop). docs/npm.md in the repository is the guide; these declarations are the reference.
//
// Item types travel through the generics: `rt.iter(0, 10).map(x => String(x))` is a
// `Stream<string>`. AbortSignal comes from the environment's types: the DOM library
// (`"lib": ["DOM"]`) or @types/node.
//
// They are in types/, one file per concept of the API (runtime, stream, errors, trace, metrics);
// this file re-exports them, so a program imports everything from 'weir-runtime'.

export * from './types/runtime.js';
export * from './types/stream.js';
export * from './types/errors.js';
export * from './types/trace.js';
export * from './types/metrics.js';

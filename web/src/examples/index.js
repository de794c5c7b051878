// The Examples menu: the five seed examples, as the repository has them for Node
// (examples/node/*.mjs: they run here as they are, createRuntime giving the page's runtime),
// and three written for the playground (this folder: they use the global rt).
import seedStreams from 'text:examples/node/seed_streams.mjs';
import seedRuntime from 'text:examples/node/seed_runtime.mjs';
import seedCancellation from 'text:examples/node/seed_cancellation.mjs';
import seedErrors from 'text:examples/node/seed_errors.mjs';
import seedAsyncIterator from 'text:examples/node/seed_async_iterator.mjs';
import parallelMap from 'text:web/src/examples/parallel_map.js';
import backpressure from 'text:web/src/examples/backpressure.js';
import concurrencyLimit from 'text:web/src/examples/concurrency_limit.js';

export const EXAMPLES = [
  { id: 'parallel-map', title: 'CPU-bound parallel map', code: parallelMap },
  { id: 'backpressure', title: 'Backpressure: a slow consumer', code: backpressure },
  { id: 'concurrency-limit', title: 'Async calls, at most 4 at once', code: concurrencyLimit },
  { id: 'seed-streams', title: 'Seed 1: a stream pipeline', code: seedStreams },
  { id: 'seed-runtime', title: 'Seed 2: 1000 spawned tasks', code: seedRuntime },
  { id: 'seed-cancellation', title: 'Seed 3: cancellation', code: seedCancellation },
  { id: 'seed-errors', title: 'Seed 4: errors and try_join', code: seedErrors },
  { id: 'seed-async-iterator', title: 'Seed 5: an async iterator', code: seedAsyncIterator },
];

export const DEFAULT_EXAMPLE = 'parallel-map';

// Runtime.metrics(): the scheduler's counters, for the runtime and per worker
// (weir::runtime::metrics in C++, after tokio's RuntimeMetrics). Re-exported by index.d.ts.
import type { Runtime } from './runtime.js';

/** What {@link Runtime.metrics} gives: the scheduler's counters (weir::runtime::metrics). */
export interface Metrics {
  /** The number of workers. */
  workers: number;
  /** Tasks waiting in the global (injection) queue. */
  globalQueueDepth: number;
  /** Tasks alive now (spawned and not finished). */
  liveTasks: number;
  /** Tasks spawned from threads that are not workers (every job comes from the host). */
  remoteSpawned: number;
  /** Tasks that lost their waker (what they waited on was destroyed under them). */
  lostWakers: number;
  /** One entry per worker. */
  perWorker: WorkerMetrics[];
}

/** One worker's counters, in {@link Metrics.perWorker}. */
export interface WorkerMetrics {
  /** Runs of tasks started. */
  polls: number;
  /** Tasks stolen from other workers. */
  steals: number;
  /** Steal operations (each takes one or more tasks). */
  stealOperations: number;
  /** Times its local queue overflowed into the global queue. */
  overflows: number;
  /** Times it found nothing to run and slept. */
  parks: number;
  /** Tasks spawned from it. */
  spawned: number;
  /** Tasks in its local queue now. */
  localQueueDepth: number;
  /** Time not parked, in milliseconds. */
  busyMs: number;
}

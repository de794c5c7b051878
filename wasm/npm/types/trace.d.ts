// Tracing (Runtime.trace): recording what the scheduler does, or feeding it live, and the
// events a trace holds (weir::trace in C++). Re-exported by index.d.ts.

/** Runtime.trace: records what the scheduler did, or feeds it live. */
export interface Tracing {
  /**
   * Starts recording (again: what was kept is dropped).
   * @param options.eventsPerWorker the size of each worker's ring, in 64-bit words (about one
   *   per poll or wake-up; default 262144). A full ring drops events (Trace.dropped counts them).
   * @throws {Error} "runtime is closed".
   */
  start(options?: { eventsPerWorker?: number }): void;

  /**
   * Stops recording and gives what was recorded since start(). Without start(), an empty trace.
   * @throws {Error} "runtime is closed".
   */
  stop(): Trace;

  /**
   * A live feed: callback(batch) gets the new events every intervalMs (default 16; the smallest
   * asked for wins) while there are any. The feed does not keep Node running. A throwing
   * callback does not stop the feed (its error is reported as an uncaught one).
   * @example
   * ```ts
   * const sub = rt.trace.subscribe(batch => draw(batch), { intervalMs: 16 });
   * // ...
   * sub.close();
   * ```
   * @throws {TypeError} callback is not a function. @throws {RangeError} intervalMs < 1.
   * @throws {Error} "runtime is closed".
   */
  subscribe(callback: (batch: TraceEvent[]) => void, options?: { intervalMs?: number }): TraceSubscription;
}

/** A live trace feed; close() ends it (what came before the close is still delivered). */
export interface TraceSubscription {
  close(): void;
}

/** A recorded trace, from {@link Tracing.stop}. */
export interface Trace {
  /** The events, each worker's in time order. */
  readonly events: TraceEvent[];
  /** Events lost because a ring was full before it was read. */
  readonly dropped: number;
  /**
   * The trace as Chrome trace-event JSON (a string): ui.perfetto.dev ("Open trace file") and
   * chrome://tracing open it. One track per worker, a slice per run of a task, named after its
   * stage; counters per named stage.
   */
  toPerfetto(): string;
}

/** What an event records (weir::trace::kind). */
export type TraceEventKind =
  | 'spawn'
  | 'poll_begin'
  | 'poll_end'
  | 'wake'
  | 'steal'
  | 'park'
  | 'unpark'
  | 'timer_fired'
  | 'io_completed'
  | 'finish'
  | 'lost_waker'
  | 'stage_in'
  | 'stage_out'
  | 'stage_in_flight'
  | 'channel_depth';

/**
 * One event of a trace. Each job (a chunk of items through one stage function) is a weir task
 * named after its stage, so a worker's runs of stage functions are its `poll_begin`/`poll_end`
 * pairs, labelled by `stage`.
 *
 * | kind | recorded when | fields beyond the common ones |
 * |---|---|---|
 * | spawn | a task (a job, a sleep) is spawned | stage, parent, location |
 * | poll_begin | a worker starts running a task | stage; a: 1 if it woke itself; b: 1 + tasks queued on the worker (0 when not sampled) |
 * | poll_end | that run ends | stage; a: 1 if the task completed |
 * | wake | a task is made runnable by another | a: waking worker + 1 (0: another thread) |
 * | steal | a worker steals tasks | a: victim worker; b: count; task: the first |
 * | park / unpark | a worker sleeps / wakes | |
 * | timer_fired | a task's timer fires | |
 * | finish | a task ends | |
 * | stage_in / stage_out | items go into / come out of a stage() | stage, count (running total) |
 * | stage_in_flight | the calls in flight of a buffered stage change | stage, count |
 */
export interface SchedulerEvent {
  /** What happened. */
  kind: TraceEventKind;
  /** When, in milliseconds since the runtime started (fractional: nanosecond resolution). */
  ts: number;
  /** The worker that recorded it; -1 for a thread that is not a worker (the host thread). */
  worker: number;
  /** The task it is about (a job, a sleep); 0 when none. */
  task: number;
  /** Kind-specific (see the table). */
  a: number;
  /** Kind-specific (see the table). */
  b: number;
  /**
   * The stage: for a task's events (spawn, poll_begin, poll_end, wake, finish, ...) the label of
   * the stage its job runs (its stage() name, or `stage <position> (<kind>: <source head>)`);
   * for stage_in, stage_out and stage_in_flight the stage's name. Absent for tasks that run no
   * stage (a sleep) and for worker events (park, unpark).
   */
  stage?: string;
  /** stage_in, stage_out: items so far; stage_in_flight: calls in flight; channel_depth: items queued. */
  count?: number;
  /** spawn: the task that spawned it (0: from outside a task). */
  parent?: number;
  /** spawn: where in weir's C++ sources the task was spawned ("file:line"). */
  location?: string;
}

/** One stage of a pipeline, as its `pipeline` event lists it. */
export interface PipelineStage {
  /** The stage's label: its stage() name, or `stage <position> (<kind>: <source head>)`. */
  name: string;
  /** The operator: 'map', 'filter', 'filterMap', 'flatMap', 'scan', ... */
  op: string;
  /** buffered(n) or bufferUnordered(n): n; null for a stage that runs one job at a time. */
  window: number | null;
  /** Whether results keep input order (false under bufferUnordered). */
  ordered: boolean;
}

/**
 * Recorded on the host thread when a consumer starts running a pipeline (collect, for await,
 * ...), before any of its jobs: the shape of what follows. Not a scheduler event: it has no
 * worker, task, a or b.
 */
export interface PipelineEvent {
  kind: 'pipeline';
  /** When, in milliseconds since the runtime started. */
  ts: number;
  /** The pipeline's stages that call functions, in order. */
  stages: PipelineStage[];
}

/**
 * One event of a trace or of the live feed: a scheduler event, or a pipeline starting. Narrow
 * on `kind` (`e.kind === 'pipeline'`) before reading a scheduler event's worker or task.
 */
export type TraceEvent = SchedulerEvent | PipelineEvent;

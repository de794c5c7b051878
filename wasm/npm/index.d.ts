// Type declarations of weir-runtime: stream pipelines whose JavaScript stage functions run in
// parallel on weir's work-stealing pool of workers (or, where threads cannot be had, in slices on
// the event loop). docs/npm.md in the repository is the guide; this file is the reference.
//
// Item types travel through the generics: `rt.iter(0, 10).map(x => String(x))` is a
// `Stream<string>`. AbortSignal comes from the environment's types: the DOM library
// (`"lib": ["DOM"]`) or @types/node.

/**
 * Starts a runtime: one WebAssembly instance of weir with its pool of workers.
 *
 * @example
 * ```ts
 * import { createRuntime } from 'weir-runtime';
 * const rt = await createRuntime({ workers: 2 });
 * const squares = await rt.iter(0, 10).map(x => x * x).buffered(4).collect();
 * await rt.close();
 * ```
 *
 * @throws {TypeError} options is not an object, has an unknown key, or workers is not a number.
 * @throws {RangeError} workers is not an integer from 1 to 64, backend is not one of the three
 *   names, or sliceBudgetMs is not a positive finite number.
 * @throws {Error} backend 'threads' where SharedArrayBuffer or workers cannot be used (a browser
 *   page that is not cross-origin isolated).
 * (Each of these comes as a rejection of the returned promise.)
 */
export declare function createRuntime(options?: RuntimeOptions): Promise<Runtime>;

/** The options of {@link createRuntime}. Unknown keys are refused (TypeError). */
export interface RuntimeOptions {
  /**
   * The number of worker threads in the threads build, 1 to 64. Default: the machine's
   * parallelism (`os.availableParallelism()`, `navigator.hardwareConcurrency`), at most 8.
   * The event-loop build always has 1 worker (the host thread) and ignores this.
   */
  workers?: number;
  /**
   * Which build to run. 'auto' (the default) picks 'threads' where SharedArrayBuffer, Atomics
   * and workers can be used (Node; a cross-origin isolated page), else 'event-loop'.
   * 'threads' fails where it cannot run; 'event-loop' runs everywhere.
   */
  backend?: Backend | 'auto';
  /**
   * The event-loop build's slice budget in milliseconds (default 8): how long the runtime runs
   * on the host thread before giving the event loop back. Ignored by the threads build.
   */
  sliceBudgetMs?: number;
}

/**
 * A build of the runtime. 'threads': weir's work-stealing scheduler on a pool of worker threads
 * sharing the wasm memory. 'event-loop': the same scheduler with one worker, run in slices on
 * the host's event loop (no threads, no SharedArrayBuffer needed).
 */
export type Backend = 'threads' | 'event-loop';

/**
 * A running weir runtime, made by {@link createRuntime}. It makes streams ({@link Runtime.iter}),
 * runs single calls on a worker ({@link Runtime.spawn}) and timers ({@link Runtime.sleep}).
 * After {@link Runtime.close} every member throws (or rejects with) Error("runtime is closed").
 */
export declare class Runtime {
  private constructor();

  /** The build this runtime runs on: 'threads' or 'event-loop' (what 'auto' chose). */
  readonly backend: Backend;

  /** The number of workers in use (1 for the event-loop build). */
  readonly workers: number;

  /**
   * A stream of the numbers start, start + 1, ... below end. end may be Infinity (an endless
   * stream: bound it with take, takeWhile or a signal).
   *
   * @example `rt.iter(0, 5)` gives 0, 1, 2, 3, 4.
   * @throws {TypeError} start or end is not a number.
   * @throws {RangeError} start is not finite, or end is NaN or -Infinity.
   * @throws {Error} "runtime is closed".
   */
  iter(start: number, end: number): Stream<number>;
  /**
   * A stream of the items of an array, typed array, iterable or async iterable. An array is read
   * as the stream is pulled (not copied up front); an async iterable is pulled lazily: no more
   * than the consumer asked for, plus the window of a buffered stage.
   *
   * @example `rt.iter(['a', 'b'])` is a `Stream<string>`; `rt.iter(new Float64Array(8))` a
   *   `Stream<number>`; `rt.iter(readLines(file))` over an async generator.
   * @throws {TypeError} items is none of these (a DataView included).
   * @throws {Error} "runtime is closed".
   */
  iter<T>(items: Iterable<T> | AsyncIterable<T>): Stream<T>;

  /**
   * Calls fn(...args) once. A synchronous function runs on a pool worker (threads build) or on
   * the host in a slice (event-loop build); an async one runs on the host thread. fn travels by
   * its source, so it must be self-contained (see {@link StageFunctionRules}); args travel as
   * items do.
   *
   * @example `await rt.spawn((a, b) => a + b, 2, 3)` is 5.
   * @returns fn's result (awaited when fn is async).
   * Rejects with: TypeError when fn is not a function, is built-in or bound, an argument or the
   *   result cannot travel, or a synchronous fn returns a promise on a worker (declare it async);
   *   {@link WeirStageError} when fn throws (stage "spawn (<head of its source>)", item 0);
   *   Error "runtime is closed".
   */
  spawn<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Promise<Awaited<R>>;

  /**
   * Resolves after ms milliseconds, on a weir timer.
   *
   * @example `await rt.sleep(10)`
   * Rejects with: signal.reason when the signal aborts first (the timer is cancelled);
   *   TypeError or RangeError when ms is not a finite, non-negative number; Error "runtime is
   *   closed" (also when the runtime closes while it waits).
   */
  sleep(ms: number, options?: { signal?: AbortSignal }): Promise<void>;

  /**
   * The scheduler's counters, as a plain object (weir::runtime::metrics in C++, after tokio's
   * RuntimeMetrics): a snapshot, taken now.
   * @throws {Error} "runtime is closed".
   */
  metrics(): Metrics;

  /** Tracing: record what the scheduler does ({@link Tracing.start}/stop) or watch it live. */
  readonly trace: Tracing;

  /**
   * Shuts the runtime down: pipelines and spawns in progress reject with Error("runtime is
   * closed"), sleeps too, and the workers stop. Idempotent. A Node program need not call it to
   * exit: idle workers do not keep the process alive.
   */
  close(): Promise<void>;
}

/**
 * The rules every stage function follows (this interface has no members; it is the place
 * where the rules are written down):
 *
 * - **It travels by its source.** The function's text is compiled again in the global scope of
 *   each worker (and of the host, for async functions and the first call): it sees its
 *   arguments and globals (Math, JSON, console, ...), never the variables around it. A function
 *   that uses one fails with a {@link WeirStageError} that names the variable and says to pass it
 *   with `{ context }`. Built-in and bound functions cannot be shipped (TypeError).
 * - **What it needs from outside comes through `{ context }`**, its last argument: the value is
 *   copied once per worker (as items are), so it may be numbers, strings, booleans, null,
 *   undefined, arrays, plain objects, typed arrays, Maps, Sets, Dates, ...; not functions.
 * - **Synchronous functions run on the pool** (threads build) or in slices on the host thread
 *   (event-loop build). Side effects on the host's variables are impossible; console works.
 * - **Async functions, and functions that return a promise, run on the host thread**, awaited
 *   without holding a worker; with buffered(n) up to n calls are in flight at once.
 * - **Items travel through a codec**: numbers, strings, booleans, null, undefined, bigint,
 *   arrays, plain objects, typed arrays, ArrayBuffers, Date, RegExp, Map, Set and Error. A class
 *   instance arrives as a plain object. Functions, symbols, promises and cycles are refused: a
 *   stage that returns one rejects the consumer with a TypeError that names the stage and item.
 */
export interface StageFunctionRules {}

/** The options of a stage function: `context` is handed to it as its last argument. */
export interface StageOptions<C> {
  /**
   * A value the function receives as its last argument (`ctx`), copied once per worker: the way
   * to give a stage function what it cannot see from where it was written.
   *
   * @example `.map((x, ctx) => x * ctx.k, { context: { k: 3 } })`
   */
  context?: C;
}

/** The options of a consumer. */
export interface ConsumerOptions {
  /**
   * Aborting it rejects the consumer's promise with the signal's reason, within about one item's
   * time per worker; everything in flight is dropped and the runtime stays usable. An already
   * aborted signal rejects at once.
   */
  signal?: AbortSignal;
}

/**
 * A stream: a lazy, immutable description of a pipeline. Adapters (map, filter, take, ...)
 * return a new stream and run nothing; a consumer (collect, fold, forEach, count, sum, first)
 * or `for await` runs it, and each run is independent, so a stream may be run many times.
 * The names mirror the C++ weir::stream adapters in camelCase.
 *
 * A stream is an async iterable but not a promise: it has no `then`, so `await stream` does not
 * run it (use a consumer). Streams are made by {@link Runtime.iter}; their constructor is internal.
 *
 * @typeParam T the type of the stream's items.
 */
export declare class Stream<T> implements AsyncIterable<T> {
  private constructor();

  // ---- stage functions (see StageFunctionRules) ----

  /**
   * Calls fn(item, ctx) for each item and hands on what it returns (C++: map). An async fn is
   * awaited; add buffered(n) to run up to n calls at once.
   *
   * @example `rt.iter(0, 10).map(x => String(x))` is a `Stream<string>`.
   * @throws {TypeError} fn is not a function, or is built-in or bound; options has a key other
   *   than context.
   */
  map<U, C = undefined>(fn: (item: T, ctx: C) => U | PromiseLike<U>, options?: StageOptions<C>): MappedStream<U>;

  /**
   * Keeps the items for which fn(item, ctx) is truthy (C++: filter). A type guard narrows the
   * item type.
   * @example `rt.iter(0, 10).filter(x => x % 2 === 0)` gives 0, 2, 4, 6, 8.
   * @throws {TypeError} as {@link Stream.map}.
   */
  filter<S extends T, C = undefined>(fn: (item: T, ctx: C) => item is S, options?: StageOptions<C>): MappedStream<S>;
  filter<C = undefined>(fn: (item: T, ctx: C) => unknown, options?: StageOptions<C>): MappedStream<T>;

  /**
   * Calls fn(item, ctx) and hands on what it returns, except undefined: that item is dropped
   * (C++: filter_map, with undefined for std::nullopt).
   * @example `rt.iter(['1', 'x', '3']).filterMap(s => (/^\d+$/.test(s) ? Number(s) : undefined))`
   *   is a `Stream<number>` giving 1, 3.
   * @throws {TypeError} as {@link Stream.map}.
   */
  filterMap<U, C = undefined>(
    fn: (item: T, ctx: C) => U | undefined | PromiseLike<U | undefined>,
    options?: StageOptions<C>,
  ): MappedStream<Exclude<U, undefined>>;

  /**
   * Calls fn(item, ctx), which returns an array or another iterable, and hands on its items
   * (C++: map then flatten; a string gives its characters). A value that is not iterable fails
   * the stage ({@link WeirStageError} whose cause is a TypeError).
   * @example `rt.iter(1, 4).flatMap(n => Array.from({ length: n }, (_, i) => i))` gives 0, 0, 1, 0, 1, 2.
   * @throws {TypeError} as {@link Stream.map}.
   */
  flatMap<U, C = undefined>(
    fn: (item: T, ctx: C) => Iterable<U> | PromiseLike<Iterable<U>>,
    options?: StageOptions<C>,
  ): MappedStream<U>;

  /**
   * Calls fn(item, ctx) for each item and hands the item on unchanged (C++: inspect). fn runs
   * where stage functions run: on a worker, a log line is written from there.
   * @throws {TypeError} as {@link Stream.map}.
   */
  inspect<C = undefined>(fn: (item: T, ctx: C) => unknown, options?: StageOptions<C>): MappedStream<T>;

  /**
   * Hands on items while fn(item, ctx) is truthy; the stream ends at the first falsy one, which
   * is dropped (C++: take_while).
   * @example `rt.iter(0, 100).takeWhile(x => x * x < 50)` gives 0 … 7.
   * @throws {TypeError} as {@link Stream.map}.
   */
  takeWhile<C = undefined>(fn: (item: T, ctx: C) => unknown, options?: StageOptions<C>): Stream<T>;

  /**
   * Drops items while fn(item, ctx) is truthy, then hands on every item from the first falsy one
   * on, without calling fn again (Rust's skip_while).
   * @example `rt.iter(0, 10).skipWhile(x => x < 7)` gives 7, 8, 9.
   * @throws {TypeError} as {@link Stream.map}.
   */
  skipWhile<C = undefined>(fn: (item: T, ctx: C) => unknown, options?: StageOptions<C>): Stream<T>;

  /**
   * acc = fn(acc, item, ctx) for each item, starting from init; hands on each new acc (C++: scan;
   * the stream does not end early). The accumulator travels between jobs as items do.
   * @example `rt.iter(1, 5).scan(0, (acc, x) => acc + x)` gives 1, 3, 6, 10.
   * @throws {TypeError} as {@link Stream.map}.
   */
  scan<A, C = undefined>(init: A, fn: (acc: A, item: T, ctx: C) => A | PromiseLike<A>, options?: StageOptions<C>): Stream<A>;

  // ---- reshaping ----

  /**
   * The first n items; then the stream ends and what is in flight upstream is dropped (C++: take).
   * @throws {TypeError} n is not a number. @throws {RangeError} n is not an integer >= 0.
   */
  take(n: number): Stream<T>;

  /**
   * All but the first n items (C++: skip).
   * @throws {TypeError} n is not a number. @throws {RangeError} n is not an integer >= 0.
   */
  skip(n: number): Stream<T>;

  /**
   * Arrays of n items; the last may be shorter, never empty (C++: chunks).
   * @example `rt.iter(0, 10).chunks(4)` gives [0, 1, 2, 3], [4, 5, 6, 7], [8, 9].
   * @throws {TypeError} n is not a number. @throws {RangeError} n is not an integer from 1 to 2^24.
   */
  chunks(n: number): Stream<T[]>;

  /**
   * [index, item] pairs, the index counting from 0 (Rust's enumerate).
   * @example `rt.iter(['a', 'b']).enumerate()` gives [0, 'a'], [1, 'b'].
   */
  enumerate(): Stream<[number, T]>;

  /**
   * [a, b] pairs of this stream's items and other's, both sides pulled at once; ends when either
   * ends (C++: zip, with arrays for tuples).
   * @example `rt.iter(0, 3).zip(rt.iter(['a', 'b']))` gives [0, 'a'], [1, 'b'].
   * @throws {TypeError} other is not a stream, or belongs to another runtime.
   */
  zip<U>(other: Stream<U>): Stream<[T, U]>;

  /**
   * This stream's items, then other's (Rust's chain).
   * @throws {TypeError} other is not a stream, or belongs to another runtime.
   */
  chain<U>(other: Stream<U>): Stream<T | U>;

  /**
   * The items of this stream and other as they come, in no fixed order; ends when both end
   * (C++: merge). `a.merge(b).merge(c)` is one three-way merge whose ready sides take turns.
   * @throws {TypeError} other is not a stream, or belongs to another runtime.
   */
  merge<U>(other: Stream<U>): Stream<T | U>;

  /**
   * Fails the run with a {@link WeirTimeoutError} when the next item takes longer than ms
   * milliseconds to come (C++: timeout, weir::timed_out). Items are then pulled one at a time.
   * @throws {TypeError} ms is not a number. @throws {RangeError} ms is negative or not finite.
   */
  timeout(ms: number): Stream<T>;

  /**
   * Names a part of the pipeline (C++: stage). build(s) gets this stream and returns it extended
   * with adapters; it is called once, now. A failure inside names the stage by `name`
   * ({@link WeirStageError.stage}), and traces count its items in and out and, for a buffered
   * inside it, its calls in flight.
   * @example `s.stage('parse', s => s.map(line => JSON.parse(line)).filter(r => r.ok))`
   * @throws {TypeError} name is not a non-empty string, or build does not return the stream it
   *   was given, extended.
   */
  stage<U>(name: string, build: (s: Stream<T>) => Stream<U>): Stream<U>;

  // ---- consumers ----

  /**
   * Runs the pipeline and gives every item, in an array (C++: collect).
   * Rejects, once, with: a {@link WeirStageError} when a stage function throws; a TypeError when
   * an item cannot travel; a {@link WeirTimeoutError}; the signal's reason when it aborts;
   * Error "runtime is closed". (The same holds for every consumer.)
   */
  collect(options?: ConsumerOptions): Promise<T[]>;

  /** Runs the pipeline and gives the number of items (C++: count). Rejects as {@link Stream.collect}. */
  count(options?: ConsumerOptions): Promise<number>;

  /**
   * Runs the pipeline and gives the sum of its items, 0 for an empty stream (C++: sum). Only for
   * streams of numbers; an item of another type rejects with a TypeError.
   */
  sum(this: Stream<number>, options?: ConsumerOptions): Promise<number>;

  /**
   * The first item, or undefined for an empty stream (C++: next, once). The rest of the pipeline
   * is stopped: an endless stream is fine.
   */
  first(options?: ConsumerOptions): Promise<T | undefined>;

  /**
   * acc = fn(acc, item, ctx) over every item, from init; gives the last acc (C++: fold). fn is a
   * stage function (see {@link StageFunctionRules}): it runs on the pool, one call at a time,
   * in order.
   * @example `await rt.iter(1, 5).fold(1, (a, x) => a * x)` is 24.
   * @throws {TypeError} fn is not a function, or options has a key other than context and signal.
   */
  fold<A, C = undefined>(
    init: A,
    fn: (acc: A, item: T, ctx: C) => A | PromiseLike<A>,
    options?: StageOptions<C> & ConsumerOptions,
  ): Promise<A>;

  /**
   * Calls fn(item, ctx) for every item (C++: for_each). fn is a stage function: it runs on the
   * pool and cannot change the host's variables; to handle items on the host thread, use
   * `for await` instead.
   * @throws {TypeError} fn is not a function, or options has a key other than context and signal.
   */
  forEach<C = undefined>(fn: (item: T, ctx: C) => unknown, options?: StageOptions<C> & ConsumerOptions): Promise<void>;

  /**
   * `for await (const x of stream)` runs the pipeline and hands the items to the host thread as
   * they come; leaving the loop (break, return, throw) stops the pipeline. A failure in the
   * pipeline is thrown by the loop.
   * @throws {Error} "runtime is closed".
   */
  [Symbol.asyncIterator](): AsyncIterator<T, undefined>;
}

/**
 * A stream whose last step calls a stage function (map, filter, filterMap, flatMap, inspect):
 * buffered(n) or bufferUnordered(n) may follow it and runs up to n of those calls at once.
 * (At run time the stream is a {@link Stream}; elsewhere buffered throws a TypeError.)
 */
export interface MappedStream<T> extends Stream<T> {
  /**
   * Runs up to n calls of the previous stage function at once, across the workers (async ones
   * on the host), and hands the results on in input order (C++: buffered, and spawn_buffered
   * for synchronous functions). Memory is bounded by n, whatever the source's length.
   * @example `rt.iter(urls).map(async u => (await fetch(u)).status).buffered(8)` keeps 8
   *   requests in flight.
   * @throws {TypeError} n is not a number. @throws {RangeError} n is not an integer from 1 to 2^20.
   */
  buffered(n: number): Stream<T>;

  /**
   * As {@link MappedStream.buffered}, but hands results on as they finish (C++: buffer_unordered).
   * @throws {TypeError} n is not a number. @throws {RangeError} n is not an integer from 1 to 2^20.
   */
  bufferUnordered(n: number): Stream<T>;
}

/**
 * A stage function threw (or rejected). The consumer's promise rejects once with it; no new
 * stage call starts after it, and the runtime stays usable.
 *
 * @example
 * ```ts
 * try {
 *   await rt.iter(0, 10).stage('parse', s => s.map(x => { if (x === 5) throw new Error('bad'); return x; })).collect();
 * } catch (e) {
 *   if (e instanceof WeirStageError) console.log(e.stage, e.item, e.cause); // 'parse' 5 Error: bad
 * }
 * ```
 */
export declare class WeirStageError extends Error {
  constructor(message: string, fields?: { stage?: string; item?: number; cause?: unknown });
  readonly name: 'WeirStageError';
  /**
   * The stage: its name from stage(), else its position in the pipeline (the source is 0) and
   * the head of its source, e.g. `stage 1 (map: x => x * k)`; for spawn, `spawn (<source>)`.
   */
  readonly stage: string;
  /** The index of the failing item in that stage's input (0 for spawn). */
  readonly item: number;
  /**
   * What the function threw. From a worker it is a copy: an Error of the same type (TypeError,
   * RangeError, ...; other names kept in `name`), message and stack.
   */
  readonly cause: unknown;
}

/** No item came within a stream's timeout(ms). Its `name` is 'TimeoutError'. */
export declare class WeirTimeoutError extends Error {
  constructor(message: string);
  readonly name: 'TimeoutError';
}

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
export interface TraceEvent {
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

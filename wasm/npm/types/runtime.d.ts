// weir-runtime's entry point and its runtime: createRuntime, its options, the two builds
// (Backend) and Runtime, which makes streams, runs single calls and timers. Re-exported by
// index.d.ts, which is what a program imports ('weir-runtime'); each concept of the API has a
// file of its own here, as src/ has (runtime.mjs, stream.mjs, errors.mjs, trace.mjs).
import type { WeirStageError } from './errors.js';
import type { Metrics } from './metrics.js';
import type { StageFunctionRules, Stream } from './stream.js';
import type { Tracing } from './trace.js';

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
   * @throws {RangeError} start is not finite, or end is NaN or -Infinity, or start or a finite
   *   end lies beyond ±Number.MAX_SAFE_INTEGER (where start + 1 === start).
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

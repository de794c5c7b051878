// Streams: the rules every stage function follows, the options of stages and consumers, Stream
// (adapters and consumers, with the item type carried through the generics) and MappedStream
// (a stream whose last step calls a stage function: the only place buffered may follow).
// Re-exported by index.d.ts.
import type { WeirStageError, WeirTimeoutError } from './errors.js';
import type { Runtime } from './runtime.js';

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

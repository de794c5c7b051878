// Stream: what rt.iter gives, and every adapter returns. A stream is a description (a list of
// operations), immutable and lazy: nothing runs until a consumer (collect, fold, forEach, count,
// sum, first) or `for await` runs it, and each run is independent. The names mirror the C++
// weir::stream adapters in JavaScript's camelCase (docs/npm.md lists them). No method is named
// `then`: a stream that looked like a promise would be swallowed by `await`.
import { BIG_PULL } from './engine/sources.mjs';
import { build, consumerOp, consumerStage, consumers, drive } from './engine/engine.mjs';
import { Run } from './engine/run.mjs';
import { STAGE } from './engine/job_layout.mjs';
import { shippableSource } from './engine/stages.mjs';
import { describe, fnArg, intArg, msArg, signalOpt, stageOpts } from './validate.mjs';

const ACCESS = Symbol('weir.stream'); // internal access to a stream's runtime and operations

// Stage functions that buffered(n) and bufferUnordered(n) may follow.
const WINDOWABLE = new Set([STAGE.MAP, STAGE.FILTER, STAGE.FILTER_MAP, STAGE.FLAT_MAP, STAGE.INSPECT]);

export class Stream {
  #rt;
  #ops;
  #stageName;

  /** @internal streams are made by Runtime.iter and the adapters. */
  constructor(rt, ops, stageName = undefined) {
    if (rt?.[ACCESS] !== true) throw new TypeError('weir: streams are made by rt.iter(...)');
    this.#rt = rt.engine;
    this.#ops = ops;
    this.#stageName = stageName;
  }

  static [ACCESS](s) {
    return { rt: s.#rt, ops: s.#ops };
  }

  #with(op, stageName = this.#stageName) {
    return new Stream({ [ACCESS]: true, engine: this.#rt }, [...this.#ops, op], stageName);
  }

  #call(name, stage, fn, opts, extra = {}) {
    fnArg(`${name}()`, fn);
    const o = stageOpts(`${name}()`, opts);
    const source = shippableSource(fn, `${name}()'s function`);
    return this.#with({ kind: 'call', stage, fn, source, context: o.context, stageName: this.#stageName, ...extra });
  }

  #other(name, s) {
    if (!(s instanceof Stream)) throw new TypeError(`${name}(): expected a stream (rt.iter(...)), got ${describe(s)}`);
    const o = Stream[ACCESS](s);
    if (o.rt !== this.#rt) throw new TypeError(`${name}(): the streams belong to different runtimes`);
    return o.ops;
  }

  /** Calls fn(item, ctx) for each item and hands on what it returns. */
  map(fn, opts) {
    return this.#call('map', STAGE.MAP, fn, opts);
  }
  /** Keeps the items for which fn(item, ctx) is truthy. */
  filter(fn, opts) {
    return this.#call('filter', STAGE.FILTER, fn, opts);
  }
  /** Calls fn(item, ctx) and hands on what it returns, except undefined (the item is dropped). */
  filterMap(fn, opts) {
    return this.#call('filterMap', STAGE.FILTER_MAP, fn, opts);
  }
  /** Calls fn(item, ctx), which returns an array or iterable, and hands on its items. */
  flatMap(fn, opts) {
    return this.#call('flatMap', STAGE.FLAT_MAP, fn, opts);
  }
  /** Calls fn(item, ctx) for each item and hands the item on unchanged. */
  inspect(fn, opts) {
    return this.#call('inspect', STAGE.INSPECT, fn, opts);
  }
  /** Hands on items while fn(item, ctx) is truthy; the stream ends at the first falsy one. */
  takeWhile(fn, opts) {
    return this.#call('takeWhile', STAGE.TAKE_WHILE, fn, opts);
  }
  /** Drops items while fn(item, ctx) is truthy, then hands on every item from the first falsy. */
  skipWhile(fn, opts) {
    return this.#call('skipWhile', STAGE.SKIP_WHILE, fn, opts);
  }
  /** acc = fn(acc, item, ctx), starting from init; hands on each acc. */
  scan(init, fn, opts) {
    return this.#call('scan', STAGE.SCAN, fn, opts, { init });
  }

  #window(name, n, ordered) {
    intArg(`${name}()`, 'the window', n, 1, 1 << 20);
    const last = this.#ops[this.#ops.length - 1];
    if (!last || last.kind !== 'call' || !WINDOWABLE.has(last.stage) || last.window) {
      throw new TypeError(
        `${name}(${n}) must follow map, filter, filterMap, flatMap or inspect (it runs up to ${n} of ` +
          'their calls at once)',
      );
    }
    const ops = this.#ops.slice(0, -1);
    ops.push({ ...last, window: n, ordered });
    return new Stream({ [ACCESS]: true, engine: this.#rt }, ops, this.#stageName);
  }
  /** Runs up to n calls of the previous stage function at once; results in input order. */
  buffered(n) {
    return this.#window('buffered', n, true);
  }
  /** Runs up to n calls of the previous stage function at once; results as they finish. */
  bufferUnordered(n) {
    return this.#window('bufferUnordered', n, false);
  }

  /** The first n items. */
  take(n) {
    return this.#with({ kind: 'take', n: intArg('take()', 'n', n, 0) });
  }
  /** All but the first n items. */
  skip(n) {
    return this.#with({ kind: 'skip', n: intArg('skip()', 'n', n, 0) });
  }
  /** Arrays of n items (the last may be shorter). */
  chunks(n) {
    return this.#with({ kind: 'chunks', n: intArg('chunks()', 'n', n, 1, 1 << 24) });
  }
  /** [index, item] pairs, from 0. */
  enumerate() {
    return this.#with({ kind: 'enumerate' });
  }
  /** [a, b] pairs of this stream's items and other's, both pulled at once; ends with the shorter. */
  zip(other) {
    return this.#with({ kind: 'zip', other: this.#other('zip', other) });
  }
  /** This stream's items, then other's. */
  chain(other) {
    return this.#with({ kind: 'chain', other: this.#other('chain', other) });
  }
  /** Items of this stream and other as they come; several merges share out evenly. */
  merge(other) {
    const o = this.#other('merge', other);
    const last = this.#ops[this.#ops.length - 1];
    if (last?.kind === 'merge') {
      const ops = this.#ops.slice(0, -1);
      ops.push({ kind: 'merge', others: [...last.others, o] });
      return new Stream({ [ACCESS]: true, engine: this.#rt }, ops, this.#stageName);
    }
    return this.#with({ kind: 'merge', others: [o] });
  }
  /** Fails with a TimeoutError when the next item takes longer than ms to come. */
  timeout(ms) {
    return this.#with({ kind: 'timeout', ms: msArg('timeout()', ms) });
  }
  /**
   * Names a part of the pipeline: build(s) adds adapters to s; errors inside name the stage by
   * `name`, and traces count the items in and out of it.
   */
  stage(name, buildFn) {
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError(`stage(): the name must be a non-empty string, got ${describe(name)}`);
    }
    fnArg('stage()', buildFn);
    const entered = new Stream({ [ACCESS]: true, engine: this.#rt }, [...this.#ops, { kind: 'stageEnter', name }], name);
    const built = buildFn(entered);
    if (!(built instanceof Stream)) throw new TypeError(`stage("${name}"): the function must return the stream it was given, extended; got ${describe(built)}`);
    const b = Stream[ACCESS](built);
    const prefix = Stream[ACCESS](entered).ops;
    if (b.ops.length < prefix.length || prefix.some((op, i) => b.ops[i] !== op)) {
      throw new TypeError(`stage("${name}"): the function must return the stream it was given, extended with adapters`);
    }
    return new Stream({ [ACCESS]: true, engine: this.#rt }, [...b.ops, { kind: 'stageExit', name }], this.#stageName);
  }

  // ---- consumers ----

  /** Every item, in an array. */
  collect(opts) {
    return this.#run('collect', opts, consumers.collect);
  }
  /** The number of items. */
  count(opts) {
    return this.#run('count', opts, consumers.count);
  }
  /** The sum of the items (numbers). */
  sum(opts) {
    return this.#run('sum', opts, consumers.sum);
  }
  /** The first item, or undefined for an empty stream. */
  first(opts) {
    return this.#run('first', opts, consumers.first);
  }
  /** acc = fn(acc, item, ctx) over every item, from init; the last acc. */
  fold(init, fn, opts) {
    fnArg('fold()', fn);
    const o = stageOpts('fold()', opts, true);
    const call = consumerOp(STAGE.FOLD, fn, o.context, init);
    const position = this.#ops.length;
    return this.#run('fold', opts, consumers.drain((run, op) => consumerStage(run, op, call, position)));
  }
  /** Calls fn(item, ctx) for every item. */
  async forEach(fn, opts) {
    fnArg('forEach()', fn);
    const o = stageOpts('forEach()', opts, true);
    const call = consumerOp(STAGE.FOR_EACH, fn, o.context, undefined);
    const position = this.#ops.length;
    await this.#run('forEach', opts, consumers.drain((run, op) => consumerStage(run, op, call, position)));
  }

  #run(name, opts, consume) {
    let signal;
    try {
      signal = signalOpt(`${name}()`, opts);
    } catch (e) {
      return Promise.reject(e);
    }
    return drive(this.#rt, this.#ops, signal, consume);
  }

  /** A stream is an async iterable: `for await (const x of stream)`; breaking out stops it. */
  [Symbol.asyncIterator]() {
    const rt = this.#rt;
    rt.checkOpen();
    const run = new Run(rt, undefined);
    let op;
    try {
      op = build(run, this.#ops);
    } catch (e) {
      run.end();
      throw e;
    }
    let chunk = [];
    let at = 0;
    let want = 1;
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        run.end();
      }
    };
    return {
      async next() {
        if (done) return { done: true, value: undefined };
        try {
          while (at >= chunk.length) {
            // A slow consumer holds at most a small chunk: start at one item, double to 32.
            const c = await run.race(op.pull(want));
            want = Math.min(want * 2, 32);
            const t = run.breathe();
            if (t) await t;
            if (c === null) {
              finish();
              return { done: true, value: undefined };
            }
            chunk = c;
            at = 0;
          }
          return { done: false, value: chunk[at++] };
        } catch (e) {
          const error = run.failure ? run.failure.error : e;
          finish();
          throw error;
        }
      },
      async return(value) {
        finish();
        return { done: true, value };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}

export { ACCESS, BIG_PULL };

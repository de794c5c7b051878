// The errors weir-runtime rejects with besides the standard ones (TypeError, RangeError, an
// AbortSignal's reason): a stage function that threw, and a stream's timeout. Classes, so that
// `instanceof` tells them apart. Re-exported by index.d.ts.

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
   * What the function threw: on the host thread the value itself; from a worker a copy, an Error
   * of the same type (TypeError, RangeError, ...; other names kept in `name`), message, stack and
   * own properties that can be sent, or a thrown non-Error (a string, a plain object) as itself.
   */
  readonly cause: unknown;
}

/** No item came within a stream's timeout(ms). Its `name` is 'TimeoutError'. */
export declare class WeirTimeoutError extends Error {
  constructor(message: string);
  readonly name: 'TimeoutError';
}

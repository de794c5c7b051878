// The errors the package throws beyond JavaScript's own (TypeError and RangeError for bad
// arguments): a stage function that failed, an item that came too late.

/**
 * A stage function threw. `stage` names the stage (its name from stage(), else its position and
 * the head of its source), `item` is the index of the item in that stage's input, and `cause`
 * is what it threw (in the threads build, a copy: an Error of the same name, message and stack).
 */
export class WeirStageError extends Error {
  constructor(message, { stage, item, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'WeirStageError';
    this.stage = stage;
    this.item = item;
  }
}

/** No item came within a stream's timeout(ms). */
export class WeirTimeoutError extends Error {
  constructor(message) {
    super(message);
    this.name = 'TimeoutError';
  }
}

/** Rebuilds an error that was thrown on another thread from what was sent of it. */
export function reviveError(info) {
  if ('original' in info) return info.original;
  const Ctor = { TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError }[info.name] ?? Error;
  const e = new Ctor(info.message);
  if (Ctor === Error && info.name && info.name !== 'Error') e.name = info.name;
  if (info.stack) e.stack = info.stack;
  if (info.props) Object.assign(e, info.props);
  return e;
}

/**
 * What was thrown, as text, whatever it is: its message, else the value itself (a symbol, a
 * null-prototype object, a getter that throws: String() would throw for some of them).
 */
export function textOf(cause) {
  try {
    const m = cause?.message;
    if (m !== undefined) return String(m);
  } catch {
    // a message getter that throws: describe the value instead
  }
  try {
    return String(cause);
  } catch {
    return Object.prototype.toString.call(cause);
  }
}

/**
 * The error a consumer sees for a failure inside a stage: a WeirStageError, with a message that
 * says what to do when the failure is a variable from outside the function (stage functions
 * run elsewhere, by source, and see only their arguments and globals).
 */
export function stageError(label, item, cause) {
  const text = textOf(cause);
  const m = /^(\S+) is not defined$/.exec(text);
  if (m && cause?.name === 'ReferenceError') {
    return new WeirStageError(
      `${label} uses "${m[1]}", which it cannot see: stage functions are shipped by their ` +
        'source (to the pool\'s workers in the threads build) and cannot see surrounding ' +
        `variables; pass what they need with { context: { ${m[1]} } } and read it from their ` +
        `last argument (ctx.${m[1]})`,
      { stage: label, item, cause },
    );
  }
  return new WeirStageError(`${label} threw at item ${item}: ${text}`, {
    stage: label,
    item,
    cause,
  });
}

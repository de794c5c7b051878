// Argument checks, so that a bad argument fails where it is given, with JavaScript's own error
// types: TypeError for the wrong kind of value, RangeError for a value out of range.

export function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`;
  if (typeof v === 'object') return `an object (${v.constructor?.name ?? 'Object'})`;
  return `${typeof v} ${String(v)}`;
}

export function fnArg(where, fn) {
  if (typeof fn !== 'function') throw new TypeError(`${where}: expected a function, got ${describe(fn)}`);
  return fn;
}

export function intArg(where, name, v, min, max = Number.MAX_SAFE_INTEGER) {
  if (typeof v !== 'number') throw new TypeError(`${where}: ${name} must be a number, got ${describe(v)}`);
  if (!Number.isInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    throw new RangeError(`${where}: ${name} must be an integer ${range}, got ${v}`);
  }
  return v;
}

export function msArg(where, v) {
  if (typeof v !== 'number') throw new TypeError(`${where}: expected milliseconds as a number, got ${describe(v)}`);
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${where}: milliseconds must be finite and not negative, got ${v}`);
  return v;
}

/** { signal } options of a consumer. */
export function signalOpt(where, opts) {
  if (opts === undefined) return undefined;
  if (opts === null || typeof opts !== 'object') throw new TypeError(`${where}: options must be an object, got ${describe(opts)}`);
  const s = opts.signal;
  if (s === undefined) return undefined;
  if (typeof AbortSignal === 'function' && !(s instanceof AbortSignal)) {
    throw new TypeError(`${where}: signal must be an AbortSignal, got ${describe(s)}`);
  }
  return s;
}

/** { context } options of a stage function. */
export function stageOpts(where, opts, consumer = false) {
  if (opts === undefined) return {};
  if (opts === null || typeof opts !== 'object') throw new TypeError(`${where}: options must be an object, got ${describe(opts)}`);
  for (const k of Object.keys(opts)) {
    if (k !== 'context' && !(consumer && k === 'signal')) {
      throw new TypeError(`${where}: unknown option "${k}" (known: context${consumer ? ', signal' : ''})`);
    }
  }
  return opts;
}

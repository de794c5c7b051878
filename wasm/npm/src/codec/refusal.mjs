// Refusals: how the encoder says which value it cannot send and where that value sits.
//
// The encoder builds no path while it walks (that would cost a store per property on the hot
// path). A value it refuses throws a Refusal; every container it passes on the way back out
// catches it, adds its own step (the key or index it was writing) and rethrows. At the top the
// steps, read backwards, are the path, and the Refusal becomes the TypeError the caller sees:
//   item 17: .user.callback is a function: functions cannot be sent
//   item 3: .a.b refers back to .a: circular structures cannot be sent

export class Refusal {
  /**
   * what: the end of the message ("is a function: functions cannot be sent").
   * backTo: for a cycle, the depth of the container it refers back to (its path is the first
   * backTo steps); -1 otherwise.
   */
  constructor(what, backTo = -1) {
    this.what = what;
    this.backTo = backTo;
    this.steps = []; // innermost first
  }

  /** The TypeError for item `index`; `where` names the item (codec.mjs: encodeChunk). */
  toTypeError(index, where) {
    const steps = this.steps.reverse();
    let what = this.what;
    if (this.backTo >= 0) {
      const target = this.backTo === 0 ? 'the item itself' : formatPath(steps.slice(0, this.backTo));
      what = `refers back to ${target}: circular structures cannot be sent`;
    }
    const path = formatPath(steps);
    const error = new TypeError(`${nameItem(index, where)}${path ? `: ${path}` : ''} ${what}`);
    error.itemIndex = index;
    error.path = path;
    return error;
  }
}

/** Adds a step to a Refusal passing through a container; other errors pass unchanged. */
export function addStep(error, step) {
  if (error instanceof Refusal) error.steps.push(step);
  return error;
}

function nameItem(index, where) {
  if (typeof where === 'function') {
    try {
      return String(where(index));
    } catch {
      // A `where` that throws must not hide the refusal: fall back to the plain name.
    }
  }
  return `item ${index}`;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * A path from its steps: a string key is `.key` (or `["odd key"]`), a number is an array index
 * `[3]`, and a step object ({ text }) is written as it is (Map entries, Set elements). Very long
 * paths keep their first and last steps.
 */
export function formatPath(steps) {
  const show = (s) => (typeof s === 'number'
    ? `[${s}]`
    : typeof s === 'string'
      ? (IDENTIFIER.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`)
      : s.text);
  if (steps.length <= 24) return steps.map(show).join('');
  const head = steps.slice(0, 10).map(show).join('');
  const tail = steps.slice(-10).map(show).join('');
  return `${head}…(${steps.length - 20} more)…${tail}`;
}

/** A step that is written as given (for Map and Set entries). */
export function textStep(text) {
  return { text };
}

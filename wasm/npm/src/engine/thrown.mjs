// What of a value a stage threw can cross to the host thread beside its name and message
// (job_runner.mjs, writeError): read safely (getters and String() may throw), sent only through
// the codec and only when small, so a failure report never fails itself or fills wasm memory.
import { encodeChunk } from '../codec.mjs';

/** f(), or fallback if it throws. */
export function safe(f, fallback) {
  try {
    return f();
  } catch {
    return fallback;
  }
}

/** The most bytes a copy of a thrown value or of an Error's properties may take. */
const MAX_ERROR_BYTES = 64 * 1024;

/** Whether the codec can send v, in at most MAX_ERROR_BYTES (tried only on a failure). */
export function sendable(v) {
  try {
    return encodeChunk([v]).bytes.length <= MAX_ERROR_BYTES;
  } catch {
    return false;
  }
}

/** An Error's own enumerable properties (a `code`) that can be sent, one by one; or null. */
export function ownProps(e) {
  const keys = safe(() => Object.keys(e), []);
  const own = {};
  let any = false;
  for (const key of keys) {
    if (key === 'stack' || key === 'message' || key.startsWith('weir')) continue;
    const v = safe(() => e[key], undefined);
    if (v === undefined || !sendable(v)) continue;
    own[key] = v;
    any = true;
  }
  return any && sendable(own) ? own : null;
}

// The item codec: turns a chunk of JavaScript items into bytes and back, so items can cross from
// the host thread to the pool workers (and back) through wasm linear memory. In the threads build
// the workers share that memory but take no messages while they run, so structuredClone and
// postMessage are no help: stage inputs and outputs travel as chunks of bytes, many items each.
//
// Two kinds of chunk:
//   'f64'  every item is a number: a Float64Array, one element per item, no tags. This is the
//          fast path (about as fast as copying the numbers).
//   'any'  anything else: the items one after the other as tagged values. A value is a tag byte
//          and its payload: small integers take 2 bytes, other numbers 5 or 9, strings their
//          UTF-8 bytes after a length, containers their count and then their values. The key
//          lists of objects are written once per chunk ("shapes") and then named by number, so
//          a chunk of similar objects carries mostly values. codec/format.mjs lists every tag.
//
// What travels (each comes back equal, as a fresh value; the prototype is not kept):
//   numbers (all of them: -0, NaN, Infinity), strings (any, lone surrogates included: they are
//   kept exactly), booleans, null, undefined, BigInt, arrays (dense: a hole arrives as
//   undefined, properties other than indices are not sent), plain objects (own enumerable
//   string keys, in order; getters are read; symbol keys are skipped; a class instance arrives
//   as a plain object), Date, RegExp (source and flags), Map, Set, Error (type, name, message,
//   stack, cause and own enumerable properties), ArrayBuffer, typed arrays (all eleven types,
//   and Float16Array where the engine has it) and DataView (a view's own bytes only, type kept,
//   in a fresh buffer). A Node Buffer arrives as a Uint8Array.
//   Like structuredClone minus identity: an object referenced twice (not circularly) is sent,
//   and arrives, as two copies, and views on one buffer arrive on separate buffers.
// What is refused, with a TypeError that names the item and the path inside it
// ("item 17: .user.callback is a function: functions cannot be sent"):
//   functions, symbols, circular structures, nesting deeper than MAX_DEPTH (256) containers,
//   Promises, weak collections, SharedArrayBuffers, wrapped primitives (new Number(1)), iterators,
//   and any other object whose Object.prototype.toString type is not listed above (host objects
//   such as URL or Blob, and class instances that set Symbol.toStringTag).
//
// Performance (bench/codec.bench.mjs measures it against JSON and v8.serialize): the numbers of
// an 'f64' chunk cost a few ns each both ways; a small object costs about as much as a few short
// strings, several times less than a JSON round trip. The encoder writes into a growing scratch
// buffer that is kept between chunks; encodeChunkScratch hands out a view of it so that the way
// into wasm memory is exactly one copy (encodeInto makes that copy itself). There is no
// "measure, then encode in place" pair: measuring walks the items a second time (with their
// getters, which may answer differently the second time), which costs more than the copy it
// would save.
import { writeItems } from './codec/encode.mjs';
import { CodecError, readItems } from './codec/decode.mjs';
import { MAX_DEPTH } from './codec/format.mjs';
import { Writer, ensure } from './codec/writer.mjs';

// CodecError: what decoding throws for bytes that are not a chunk of the given length.
// MAX_DEPTH: how deeply containers may nest (deeper data is refused with a TypeError).
export { CodecError, MAX_DEPTH };

/**
 * A chunk: `length` items as numbers (`kind: 'f64'`, `f64` holds them) or as codec bytes
 * (`kind: 'any'`, `bytes` holds them).
 * @typedef {{ kind: 'f64', f64: Float64Array, length: number }
 *         | { kind: 'any', bytes: Uint8Array, length: number }} Chunk
 */

/** The scratch buffer keeps at most this many bytes between chunks once it sat mostly unused. */
const SCRATCH_KEEP = 1 << 20;
const SCRATCH_START = 64 * 1024;

let scratch = null;
let scratchBusy = false; // an encode is running (a getter may start another one)

/** The scratch writer, reset; a fresh one for an encode started from inside another. */
function takeWriter() {
  if (scratchBusy) return new Writer(new Uint8Array(SCRATCH_START));
  // A one-off huge chunk should not pin its buffer: drop a big scratch that was mostly unused.
  if (scratch === null || (scratch.u8.length > SCRATCH_KEEP && scratch.pos < scratch.u8.length / 4)) {
    scratch = new Writer(new Uint8Array(SCRATCH_START));
  }
  scratch.reset();
  scratchBusy = true;
  return scratch;
}

function releaseWriter(w) {
  if (w === scratch) scratchBusy = false;
}

function checkItems(items, fn) {
  if (!Array.isArray(items)) {
    throw new TypeError(`weir codec: ${fn} takes an array of items, not ${items === null ? 'null' : typeof items}`);
  }
}

/** f[0..n) = items if every item is a number (then true); false at the first that is not. */
function copyNumbers(items, f, n) {
  for (let i = 0; i < n; i++) {
    const x = items[i];
    if (typeof x !== 'number') return false;
    f[i] = x;
  }
  return true;
}

/**
 * Encodes a chunk of items. The result owns its memory (it stays valid).
 * kind 'f64' exactly when every item is a number (an empty chunk included), else 'any'.
 * @param {unknown[]} items
 * @param {(index: number) => string} [where] names item `index` in error messages, e.g.
 *   i => `stage "square" returned, item ${i}`; by default `item ${index}`.
 * @returns {Chunk}
 * @throws {TypeError} an item holds something that cannot be sent (see the top of this file);
 *   its message names the item and the path inside it, as do its `itemIndex` and `path`.
 */
export function encodeChunk(items, where) {
  checkItems(items, 'encodeChunk');
  const n = items.length;
  if (n === 0 || typeof items[0] === 'number') {
    const f64 = new Float64Array(n);
    if (copyNumbers(items, f64, n)) return { kind: 'f64', f64, length: n };
  }
  const w = takeWriter();
  try {
    writeItems(w, items, where);
    return { kind: 'any', bytes: w.u8.slice(0, w.pos), length: n };
  } finally {
    releaseWriter(w);
  }
}

/**
 * As encodeChunk, but `f64` / `bytes` is a view of the codec's scratch buffer, valid until the
 * next encode on this thread: copy it out (into wasm memory, say) before encoding again. This
 * saves encodeChunk's copy, so items reach wasm memory with exactly one copy.
 * @param {unknown[]} items
 * @param {(index: number) => string} [where]
 * @returns {Chunk}
 */
export function encodeChunkScratch(items, where) {
  checkItems(items, 'encodeChunkScratch');
  const n = items.length;
  const w = takeWriter();
  try {
    if (n === 0 || typeof items[0] === 'number') {
      ensure(w, 8 * n);
      const f64 = new Float64Array(w.u8.buffer, 0, n);
      if (copyNumbers(items, f64, n)) {
        w.pos = 8 * n; // for takeWriter's accounting
        return { kind: 'f64', f64, length: n };
      }
    }
    writeItems(w, items, where);
    return { kind: 'any', bytes: w.u8.subarray(0, w.pos), length: n };
  } finally {
    releaseWriter(w);
  }
}

/**
 * Encodes items in the 'any' format (even when they are all numbers) into u8 from `offset`: for
 * a caller that already has room, such as a ring in wasm memory. Returns the end offset, or -1
 * when the items do not fit before u8's end (then nothing is written). Decode with
 * decodeFrom(u8, offset, items.length, end). The items are encoded into the scratch buffer and
 * copied once, as with encodeChunkScratch: writing in place would need the exact size up front,
 * which only a second walk of the items can tell.
 * @param {unknown[]} items
 * @param {Uint8Array} u8 may be a view of a SharedArrayBuffer
 * @param {number} [offset]
 * @param {(index: number) => string} [where]
 * @returns {number}
 */
export function encodeInto(items, u8, offset = 0, where = undefined) {
  checkItems(items, 'encodeInto');
  if (!(u8 instanceof Uint8Array)) throw new TypeError('weir codec: encodeInto writes into a Uint8Array');
  if (!Number.isInteger(offset) || offset < 0 || offset > u8.length) {
    throw new RangeError(`weir codec: encodeInto offset ${offset} is outside the array (length ${u8.length})`);
  }
  const w = takeWriter();
  try {
    writeItems(w, items, where);
    if (w.pos > u8.length - offset) return -1;
    u8.set(w.u8.subarray(0, w.pos), offset);
    return offset + w.pos;
  } finally {
    releaseWriter(w);
  }
}

/**
 * Decodes a chunk back into an array of items. Its `f64` / `bytes` may be a view at any offset
 * of any buffer, a SharedArrayBuffer (wasm memory of a threaded build) included; the items do
 * not refer to that memory afterwards.
 * @param {Chunk} chunk
 * @returns {unknown[]}
 * @throws {CodecError} the bytes are not a chunk of `length` items.
 */
export function decodeChunk(chunk) {
  if (chunk !== null && typeof chunk === 'object') {
    if (chunk.kind === 'f64') {
      const f = chunk.f64;
      if (!(f instanceof Float64Array)) throw new TypeError("weir codec: an 'f64' chunk has its items in a Float64Array");
      const n = countOf(chunk, f.length);
      const out = new Array(n);
      for (let i = 0; i < n; i++) out[i] = f[i];
      return out;
    }
    if (chunk.kind === 'any') {
      const b = chunk.bytes;
      if (!(b instanceof Uint8Array)) throw new TypeError("weir codec: an 'any' chunk has its bytes in a Uint8Array");
      return readItems(b, 0, countOf(chunk, b.length), b.length, true);
    }
  }
  throw new TypeError(`weir codec: not a chunk (kind ${String(chunk?.kind)}; expected 'f64' or 'any')`);
}

function countOf(chunk, max) {
  const n = chunk.length;
  if (!Number.isInteger(n) || n < 0 || (chunk.kind === 'f64' && n > max)) {
    throw new TypeError(`weir codec: a chunk's length must be a count of items, not ${n}`);
  }
  return n;
}

/**
 * Decodes `length` items of the 'any' format from u8[offset, end): what encodeInto wrote, or
 * the bytes of an 'any' chunk in place (in wasm memory, say) without making a view first.
 * @param {Uint8Array} u8 may be a view of a SharedArrayBuffer
 * @param {number} offset
 * @param {number} length the number of items
 * @param {number} [end] bytes past this are not read; the items may end before it
 * @returns {unknown[]}
 * @throws {CodecError} the bytes are not `length` items.
 */
export function decodeFrom(u8, offset, length, end = u8.length) {
  if (!(u8 instanceof Uint8Array)) throw new TypeError('weir codec: decodeFrom reads a Uint8Array');
  if (!Number.isInteger(end) || end < 0 || end > u8.length ||
      !Number.isInteger(offset) || offset < 0 || offset > end) {
    throw new RangeError(`weir codec: decodeFrom range [${offset}, ${end}) is outside the array (length ${u8.length})`);
  }
  if (!Number.isInteger(length) || length < 0) {
    throw new TypeError(`weir codec: decodeFrom needs a count of items, not ${length}`);
  }
  return readItems(u8, offset, length, end, false);
}

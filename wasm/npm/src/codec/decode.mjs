// The decoder: tagged bytes (format.mjs) back to JavaScript values.
//
// Every read is checked against the end of the chunk and every count against the bytes left,
// so bytes that are not a chunk (a wrong pointer, a stale length) give a CodecError naming the
// byte, never a read past the end, a huge allocation or a stack overflow (containers deeper
// than MAX_DEPTH are rejected as the encoder never writes them).
//
// The bytes may lie in a SharedArrayBuffer (wasm memory of a threaded build): numbers, short
// strings and typed array contents are read in place; long strings are copied out first
// (utf8.mjs). Nothing decoded refers to the chunk's memory: typed arrays, ArrayBuffers and
// DataViews get fresh buffers.
import { ERROR_TYPES, MAX_DEPTH, TAG, TYPED_ARRAYS } from './format.mjs';
import { builderEntry, countUse } from './builders.mjs';
import { readUtf16, readUtf8 } from './utf8.mjs';

/** Bytes that are not a valid chunk. */
export class CodecError extends Error {
  constructor(message) {
    super(message);
    this.name = 'CodecError';
  }
}

const TYPED_ARRAY_CTORS = TYPED_ARRAYS.map((name) => globalThis[name]);
const ERROR_CTORS = ERROR_TYPES.map((name) => globalThis[name]);

class Reader {
  constructor(u8, pos, end) {
    this.u8 = u8;
    this.dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
    this.pos = pos;
    this.end = end;
    this.shared = typeof SharedArrayBuffer !== 'undefined' && u8.buffer instanceof SharedArrayBuffer;
    this.shapes = []; // the chunk's object shapes, by number: { keys, proto, entry }
  }
}

/**
 * Reads `count` values from u8[pos, end). exact: the values must end exactly at `end`.
 */
export function readItems(u8, pos, count, end, exact) {
  if (count > end - pos) corrupt(pos, `${count} items cannot fit in ${end - pos} bytes`);
  const r = new Reader(u8, pos, end);
  const out = new Array(count);
  for (let i = 0; i < count; i++) out[i] = readValue(r, 0);
  if (exact && r.pos !== end) corrupt(r.pos, `${end - r.pos} bytes are left after the last item`);
  return out;
}

function corrupt(pos, why) {
  throw new CodecError(`weir codec: not a valid chunk (byte ${pos}): ${why}`);
}

/** Checks that n more bytes are there. */
function need(r, n) {
  if (r.pos + n > r.end) corrupt(r.pos, 'the chunk ends inside a value');
}

function readValue(r, depth) {
  if (r.pos >= r.end) corrupt(r.pos, 'the chunk ends before its last item');
  const tag = r.u8[r.pos++];
  switch (tag) {
    case TAG.UNDEFINED: return undefined;
    case TAG.NULL: return null;
    case TAG.FALSE: return false;
    case TAG.TRUE: return true;
    case TAG.INT8:
      need(r, 1);
      return (r.u8[r.pos++] << 24) >> 24;
    case TAG.INT32: {
      need(r, 4);
      const v = r.dv.getInt32(r.pos, true);
      r.pos += 4;
      return v;
    }
    case TAG.FLOAT64: return readFloat64(r);
    case TAG.STRING: return readStringBody(r);
    case TAG.STRING16: return readString16Body(r);
    case TAG.ARRAY: return readArray(r, depth);
    case TAG.OBJECT_SHAPE: {
      const at = r.pos;
      const shape = r.shapes[readVarUint(r)];
      if (shape === undefined) corrupt(at, 'an object of a shape not defined before');
      return readObject(r, shape, depth);
    }
    case TAG.OBJECT_NEW: return readObject(r, readShape(r, true), depth);
    case TAG.OBJECT_INLINE: return readObject(r, readShape(r, false), depth);
    case TAG.BIGINT64: {
      need(r, 8);
      const v = r.dv.getBigInt64(r.pos, true);
      r.pos += 8;
      return v;
    }
    case TAG.BIGINT: return readBigInt(r);
    case TAG.DATE: return new Date(readFloat64(r));
    case TAG.REGEXP: return readRegExp(r);
    case TAG.MAP: return readMap(r, depth);
    case TAG.SET: return readSet(r, depth);
    case TAG.ERROR: return readError(r, depth);
    case TAG.TYPED_ARRAY: return readTypedArray(r);
    case TAG.ARRAY_BUFFER: return readBytes(r).buffer;
    case TAG.DATA_VIEW: return new DataView(readBytes(r).buffer);
    default: return corrupt(r.pos - 1, `unknown tag ${tag}`);
  }
}

export function readVarUint(r) {
  const u8 = r.u8;
  let p = r.pos;
  if (p >= r.end) corrupt(p, 'the chunk ends inside a length');
  let b = u8[p++];
  if (b < 0x80) {
    r.pos = p;
    return b;
  }
  let v = b & 0x7f;
  let scale = 0x80;
  for (let k = 1; ; k++) {
    if (p >= r.end || k === 5) corrupt(p, 'a malformed length');
    b = u8[p++];
    v += (b & 0x7f) * scale;
    if (b < 0x80) break;
    scale *= 0x80;
  }
  r.pos = p;
  return v;
}

/** A count of things that take at least one byte each: no more than the bytes left. */
function readCount(r, what) {
  const n = readVarUint(r);
  if (n > r.end - r.pos) corrupt(r.pos, `${what} of ${n} cannot fit in the ${r.end - r.pos} bytes left`);
  return n;
}

function readFloat64(r) {
  need(r, 8);
  const v = r.dv.getFloat64(r.pos, true);
  r.pos += 8;
  return v;
}

function readStringBody(r) {
  const len = readCount(r, 'a string');
  const p = r.pos;
  r.pos = p + len;
  return readUtf8(r.u8, p, len, r.shared);
}

function readString16Body(r) {
  const n = readVarUint(r);
  if (2 * n > r.end - r.pos) corrupt(r.pos, 'a string longer than the chunk');
  const p = r.pos;
  r.pos = p + 2 * n;
  return readUtf16(r.u8, p, n);
}

/** A value that must be a string (keys, names, a RegExp's source). */
function readStringValue(r) {
  if (r.pos >= r.end) corrupt(r.pos, 'the chunk ends before a string');
  const tag = r.u8[r.pos++];
  if (tag === TAG.STRING) return readStringBody(r);
  if (tag === TAG.STRING16) return readString16Body(r);
  return corrupt(r.pos - 1, `a string was expected, not tag ${tag}`);
}

function checkDepth(r, depth) {
  if (depth >= MAX_DEPTH) corrupt(r.pos, `containers nested more than ${MAX_DEPTH} deep`);
}

function readArray(r, depth) {
  checkDepth(r, depth);
  const n = readCount(r, 'an array');
  const a = new Array(n);
  for (let i = 0; i < n; i++) a[i] = readValue(r, depth + 1);
  return a;
}

/** The key list of OBJECT_NEW / OBJECT_INLINE; registered as the chunk's next shape or not. */
function readShape(r, register) {
  const n = readCount(r, 'an object');
  const keys = new Array(n);
  let proto = false;
  for (let j = 0; j < n; j++) {
    const k = readStringValue(r);
    if (k === '__proto__') proto = true;
    keys[j] = k;
  }
  // Only shapes of the chunk's table are common enough to get a builder (builders.mjs).
  const shape = { keys, proto, entry: register && !proto ? builderEntry(keys) : null };
  if (register) r.shapes.push(shape);
  return shape;
}

function readObject(r, shape, depth) {
  checkDepth(r, depth);
  const entry = shape.entry;
  if (entry !== null && (entry.build !== null || countUse(entry, readValue))) {
    return entry.build(r, depth + 1);
  }
  const keys = shape.keys;
  const n = keys.length;
  const o = {};
  if (!shape.proto) {
    for (let j = 0; j < n; j++) o[keys[j]] = readValue(r, depth + 1);
  } else {
    // An own "__proto__" key: assigning it would set the prototype instead.
    for (let j = 0; j < n; j++) defineData(o, keys[j], readValue(r, depth + 1), true);
  }
  return o;
}

function defineData(o, key, value, enumerable) {
  Object.defineProperty(o, key, { value, writable: true, enumerable, configurable: true });
}

function readBigInt(r) {
  need(r, 1);
  const negative = r.u8[r.pos++] === 1;
  const len = readCount(r, 'a BigInt');
  const hex = readUtf8(r.u8, r.pos, len, r.shared);
  if (!/^[0-9a-f]+$/.test(hex)) corrupt(r.pos, 'a malformed BigInt');
  r.pos += len;
  const v = BigInt(`0x${hex}`);
  return negative ? -v : v;
}

function readRegExp(r) {
  const at = r.pos;
  const source = readStringValue(r);
  const flags = readStringValue(r);
  try {
    return new RegExp(source, flags);
  } catch (e) {
    return corrupt(at, `a RegExp this engine rejects (${e.message})`);
  }
}

function readMap(r, depth) {
  checkDepth(r, depth);
  const n = readCount(r, 'a Map');
  const m = new Map();
  for (let i = 0; i < n; i++) {
    const k = readValue(r, depth + 1);
    m.set(k, readValue(r, depth + 1));
  }
  return m;
}

function readSet(r, depth) {
  checkDepth(r, depth);
  const n = readCount(r, 'a Set');
  const s = new Set();
  for (let i = 0; i < n; i++) s.add(readValue(r, depth + 1));
  return s;
}

function readError(r, depth) {
  checkDepth(r, depth);
  need(r, 1);
  const type = r.u8[r.pos++];
  const Ctor = ERROR_CTORS[type];
  if (Ctor === undefined) corrupt(r.pos - 1, `unknown error type ${type}`);
  const name = readStringValue(r);
  const message = readStringValue(r);
  const stack = readValue(r, depth + 1);
  need(r, 1);
  const hasCause = r.u8[r.pos++];
  const e = hasCause ? new Ctor(message, { cause: readValue(r, depth + 1) }) : new Ctor(message);
  if (name !== Ctor.prototype.name) defineData(e, 'name', name, false);
  try {
    defineData(e, 'stack', stack, false);
  } catch {
    // An engine whose error stacks cannot be redefined keeps the stack of this decode.
  }
  const n = readCount(r, 'an error');
  for (let i = 0; i < n; i++) {
    const k = readStringValue(r);
    defineData(e, k, readValue(r, depth + 1), true);
  }
  return e;
}

function readTypedArray(r) {
  need(r, 1);
  const at = r.pos;
  const Ctor = TYPED_ARRAY_CTORS[r.u8[r.pos++]];
  if (Ctor === undefined) {
    const name = TYPED_ARRAYS[r.u8[at]];
    return corrupt(at, name ? `a ${name}, which this engine does not have` : 'an unknown typed array type');
  }
  const bytes = readBytes(r);
  if (bytes.length % Ctor.BYTES_PER_ELEMENT !== 0) corrupt(at, 'a typed array of a partial element');
  return new Ctor(bytes.buffer);
}

/** varint length and bytes, copied into a fresh (unshared) buffer. */
function readBytes(r) {
  const len = readCount(r, 'a buffer');
  const p = r.pos;
  r.pos = p + len;
  // slice() makes a plain Uint8Array with its own ArrayBuffer, also from a shared view.
  return r.u8.slice(p, p + len);
}

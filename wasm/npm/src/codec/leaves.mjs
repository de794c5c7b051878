// Values the encoder writes without walking into them (numbers, BigInt, Date, RegExp,
// ArrayBuffer, typed arrays, DataView), and why it refuses the objects it does not carry.
//
// Objects are recognised by their Object.prototype.toString type (encode.mjs: writeOther) and
// then read through the type's own intrinsic accessors, taken here once: those work on objects
// from another realm and throw on an object that only claims the type through
// Symbol.toStringTag, which confirm() turns into a refusal.
import { TAG, TYPED_ARRAYS } from './format.mjs';
import { Refusal } from './refusal.mjs';
import { writeString } from './utf8.mjs';
import { ensure, writeByte, writeTaggedBytes, writeVarUint } from './writer.mjs';

const getter = (proto, key) => Object.getOwnPropertyDescriptor(proto, key).get;
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
const typedArrayName = getter(TypedArrayPrototype, Symbol.toStringTag);
const typedArrayBuffer = getter(TypedArrayPrototype, 'buffer');
const typedArrayOffset = getter(TypedArrayPrototype, 'byteOffset');
const typedArrayLength = getter(TypedArrayPrototype, 'byteLength');
const dataViewBuffer = getter(DataView.prototype, 'buffer');
const dataViewOffset = getter(DataView.prototype, 'byteOffset');
const dataViewLength = getter(DataView.prototype, 'byteLength');
const arrayBufferLength = getter(ArrayBuffer.prototype, 'byteLength');
const regExpSource = getter(RegExp.prototype, 'source');
const regExpFlags = getter(RegExp.prototype, 'flags');
const mapSize = getter(Map.prototype, 'size');
const setSize = getter(Set.prototype, 'size');
const dateTime = Date.prototype.getTime;
const TYPED_ARRAY_TYPE = new Map(TYPED_ARRAYS.map((name, type) => [name, type]));

/** INT8 or INT32 for integers (not -0), FLOAT64 for every other number. */
export function writeNumber(w, x) {
  ensure(w, 9);
  const u8 = w.u8;
  const p = w.pos;
  if ((x | 0) === x && (x !== 0 || 1 / x > 0)) {
    if (x >= -128 && x <= 127) {
      u8[p] = TAG.INT8;
      u8[p + 1] = x;
      w.pos = p + 2;
    } else {
      u8[p] = TAG.INT32;
      w.dv.setInt32(p + 1, x, true);
      w.pos = p + 5;
    }
  } else {
    u8[p] = TAG.FLOAT64;
    writeFloat64At(w, p + 1, x);
    w.pos = p + 9;
  }
}

/** A float64; every NaN as the same bytes, so equal items always encode alike. */
function writeFloat64At(w, p, x) {
  if (x === x) w.dv.setFloat64(p, x, true);
  else w.dv.setFloat64(p, NaN, true);
}

/** DATE: the time value (NaN for an invalid date). */
export function writeDate(w, d) {
  const t = confirm('Date', dateTime, d);
  ensure(w, 9);
  w.u8[w.pos] = TAG.DATE;
  writeFloat64At(w, w.pos + 1, t);
  w.pos += 9;
}

/** REGEXP: source and flags (not lastIndex). */
export function writeRegExp(w, r) {
  const source = confirm('RegExp', regExpSource, r);
  writeByte(w, TAG.REGEXP);
  writeString(w, source);
  writeString(w, regExpFlags.call(r));
}

/** ARRAY_BUFFER: its bytes, copied (a detached buffer has none). */
export function writeArrayBuffer(w, b) {
  const length = confirm('ArrayBuffer', arrayBufferLength, b);
  writeTaggedBytes(w, TAG.ARRAY_BUFFER, length === 0 ? EMPTY : new Uint8Array(b, 0, length));
}

/** Refuses an object that claims to be a Map but is not one. */
export function confirmMap(m) {
  confirm('Map', mapSize, m);
}

/** Refuses an object that claims to be a Set but is not one. */
export function confirmSet(s) {
  confirm('Set', setSize, s);
}

const EMPTY = new Uint8Array(0);

/** Calls the type's intrinsic accessor on o: its answer, or a Refusal if o only claims the type. */
function confirm(type, accessor, o) {
  try {
    return accessor.call(o);
  } catch {
    throw new Refusal(`claims to be a ${type} (through Symbol.toStringTag) but is not one`);
  }
}

/** Why an object of this toString type cannot be sent. */
export function refusalFor(type) {
  switch (type) {
    case 'Promise':
      return 'is a Promise: await it and send its value';
    case 'WeakMap': case 'WeakSet': case 'WeakRef': case 'FinalizationRegistry':
      return `is a ${type}: weak references cannot be sent`;
    case 'SharedArrayBuffer':
      return 'is a SharedArrayBuffer: shared memory cannot be sent (a typed array on it sends a copy of its bytes)';
    case 'Number': case 'String': case 'Boolean': case 'BigInt': case 'Symbol':
      return `is a ${type} object (a wrapped primitive): send the primitive value`;
    case 'Generator': case 'AsyncGenerator':
      return `is a ${type}: spread it into an array first`;
    default:
      if (type.endsWith('Iterator')) return `is an iterator (${type}): spread it into an array first`;
      return `is a ${type} object: only plain data can be sent (numbers, strings, booleans, ` +
        'null, undefined, BigInt, arrays, plain objects, Date, RegExp, Map, Set, Error, ' +
        'ArrayBuffer, typed arrays and DataView)';
  }
}

/** TYPED_ARRAY or DATA_VIEW: the view's own bytes (not the rest of its buffer), copied. */
export function writeView(w, v) {
  const type = typedArrayName.call(v);
  if (type === undefined) {
    let bytes;
    try {
      const length = dataViewLength.call(v);
      bytes = length === 0 ? EMPTY : new Uint8Array(dataViewBuffer.call(v), dataViewOffset.call(v), length);
    } catch {
      throw new Refusal('is a DataView on a detached ArrayBuffer: its bytes are gone');
    }
    writeTaggedBytes(w, TAG.DATA_VIEW, bytes);
    return;
  }
  const code = TYPED_ARRAY_TYPE.get(type);
  if (code === undefined) throw new Refusal(`is a ${type}, a typed array the codec does not know`);
  const length = typedArrayLength.call(v); // 0 when its buffer is detached
  ensure(w, 1);
  w.u8[w.pos++] = TAG.TYPED_ARRAY;
  writeTaggedBytes(w, code, length === 0
    ? EMPTY : new Uint8Array(typedArrayBuffer.call(v), typedArrayOffset.call(v), length));
}

/** BIGINT64 when it fits, else BIGINT (sign and hexadecimal magnitude). */
export function writeBigInt(w, x) {
  if (BigInt.asIntN(64, x) === x) {
    ensure(w, 9);
    w.u8[w.pos] = TAG.BIGINT64;
    w.dv.setBigInt64(w.pos + 1, x, true);
    w.pos += 9;
    return;
  }
  const negative = x < 0n;
  const hex = (negative ? -x : x).toString(16);
  ensure(w, 2);
  w.u8[w.pos++] = TAG.BIGINT;
  w.u8[w.pos++] = negative ? 1 : 0;
  writeVarUint(w, hex.length);
  ensure(w, hex.length);
  for (let i = 0; i < hex.length; i++) w.u8[w.pos++] = hex.charCodeAt(i);
}

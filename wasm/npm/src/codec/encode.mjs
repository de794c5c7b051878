// The encoder's walk: JavaScript values to tagged bytes (format.mjs) through a Writer.
//
// It recurses, one level per container, and refuses containers deeper than MAX_DEPTH (1000):
// at that depth the walk uses at most a few hundred KiB of stack, safely inside the ~1 MiB a V8
// thread has, so a 10,000-deep array gets a clear TypeError instead of a stack overflow.
//
// Cycles: a container is refused when it is one of its own ancestors. The ancestors are the
// Writer's stack (index = depth). Data is nearly always shallow, so the first SHALLOW_DEPTH
// ancestors are compared one by one (a few pointer compares, no allocation); those deeper also
// go into a Set, so a deep structure costs O(1) per container rather than O(depth). An object
// reached twice by different paths (shared, not circular) is simply written twice.
//
// Objects: the keys of plain objects mostly repeat (items of one chunk look alike), so a key
// list is written once per chunk as a numbered shape and then named by its number. The shape
// last used at the same depth is checked first (compares of interned key strings); only a miss
// builds a signature for the chunk's shape map. The decoder (decode.mjs) then builds every
// object of a shape from the same key strings.
//
// Which objects are what: arrays by Array.isArray, plain objects by their prototype
// (Object.prototype or null) on the fast path; any other object by ArrayBuffer.isView and its
// Object.prototype.toString tag, confirmed by the type's own intrinsic accessors (which throw
// on a pretender), so objects from another realm (an iframe, a vm context) are recognised too.
// Class instances (tag "Object") are written as plain objects.
import { ERROR_TYPES, MAX_DEPTH, MAX_SHAPES, SHAPE_MAX_KEYS, TAG, TYPED_ARRAYS } from './format.mjs';
import { Refusal, addStep, textStep } from './refusal.mjs';
import { writeString } from './utf8.mjs';
import { ensure, writeByte, writeTagVarUint, writeTaggedBytes, writeVarUint } from './writer.mjs';

const SHALLOW_DEPTH = 16;

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
const mapForEach = Map.prototype.forEach;
const setForEach = Set.prototype.forEach;
const dateTime = Date.prototype.getTime;
const objectToString = Object.prototype.toString;
const hasOwn = Object.prototype.hasOwnProperty;
const TYPED_ARRAY_TYPE = new Map(TYPED_ARRAYS.map((name, type) => [name, type]));

/**
 * Writes items[0..n) one after the other; a Refusal becomes the TypeError naming the item
 * (`where`) and the path inside it.
 */
export function writeItems(w, items, where) {
  const n = items.length;
  let i = 0;
  try {
    for (; i < n; i++) writeValue(w, items[i], 0);
  } catch (e) {
    if (e instanceof Refusal) throw e.toTypeError(i, where);
    throw e;
  } finally {
    // Let go of the user's objects.
    w.stack.length = 0;
    w.deep = null;
  }
}

/** Writes one value; depth: how many containers hold it. */
function writeValue(w, v, depth) {
  switch (typeof v) {
    case 'number': writeNumber(w, v); return;
    case 'string': writeString(w, v); return;
    case 'object':
      if (v === null) writeByte(w, TAG.NULL);
      else if (Array.isArray(v)) writeArray(w, v, depth);
      else {
        const proto = Object.getPrototypeOf(v);
        if (proto === Object.prototype || proto === null) writePlain(w, v, depth);
        else writeOther(w, v, depth);
      }
      return;
    case 'boolean': writeByte(w, v ? TAG.TRUE : TAG.FALSE); return;
    case 'undefined': writeByte(w, TAG.UNDEFINED); return;
    case 'bigint': writeBigInt(w, v); return;
    case 'function': throw new Refusal('is a function: functions cannot be sent');
    case 'symbol': throw new Refusal('is a symbol: symbols cannot be sent');
    default: throw new Refusal(`is a ${typeof v}, a type the codec does not know`);
  }
}

/** INT8 or INT32 for integers (not -0), FLOAT64 for every other number. */
function writeNumber(w, x) {
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

/** Makes o the container at `depth`: refuses it if it is too deep or one of its ancestors. */
function enter(w, o, depth) {
  if (depth >= MAX_DEPTH) {
    throw new Refusal(`is nested more than ${MAX_DEPTH} levels deep: the codec refuses deeper structures`);
  }
  const stack = w.stack;
  const shallow = depth < SHALLOW_DEPTH ? depth : SHALLOW_DEPTH;
  for (let i = 0; i < shallow; i++) if (stack[i] === o) throw new Refusal('', i);
  if (depth >= SHALLOW_DEPTH) {
    const deep = w.deep ?? (w.deep = new Set());
    if (deep.has(o)) throw new Refusal('', stack.indexOf(o));
    deep.add(o);
  }
  stack[depth] = o;
}

function leave(w, o, depth) {
  if (depth >= SHALLOW_DEPTH) w.deep.delete(o);
}

/** ARRAY: dense, so a hole reads as undefined (and extra non-index properties are not sent). */
function writeArray(w, a, depth) {
  enter(w, a, depth);
  const n = a.length;
  writeTagVarUint(w, TAG.ARRAY, n);
  let i = 0;
  try {
    for (; i < n; i++) writeValue(w, a[i], depth + 1);
  } catch (e) {
    throw addStep(e, i);
  }
  leave(w, a, depth);
}

/** A plain object (or a class instance): its own enumerable string keys, in order. */
function writePlain(w, o, depth) {
  enter(w, o, depth);
  const keys = Object.keys(o);
  const n = keys.length;
  writeShape(w, keys, n, depth);
  let j = 0;
  try {
    for (; j < n; j++) writeValue(w, o[keys[j]], depth + 1);
  } catch (e) {
    throw addStep(e, keys[j]);
  }
  leave(w, o, depth);
}

/** OBJECT_SHAPE when these keys were seen in this chunk, else OBJECT_NEW (or OBJECT_INLINE). */
function writeShape(w, keys, n, depth) {
  const last = w.lastKeys[depth];
  if (last !== undefined && last.length === n) {
    let j = 0;
    while (j < n && last[j] === keys[j]) j++;
    if (j === n) {
      writeTagVarUint(w, TAG.OBJECT_SHAPE, w.lastShape[depth]);
      return;
    }
  }
  if (n > SHAPE_MAX_KEYS) {
    writeKeys(w, TAG.OBJECT_INLINE, keys, n);
    return;
  }
  const signature = JSON.stringify(keys);
  let shape = w.shapes.get(signature);
  if (shape === undefined) {
    if (w.shapes.size >= MAX_SHAPES) {
      writeKeys(w, TAG.OBJECT_INLINE, keys, n);
      return;
    }
    shape = w.shapes.size;
    w.shapes.set(signature, shape);
    writeKeys(w, TAG.OBJECT_NEW, keys, n);
  } else {
    writeTagVarUint(w, TAG.OBJECT_SHAPE, shape);
  }
  w.lastKeys[depth] = keys;
  w.lastShape[depth] = shape;
}

function writeKeys(w, tag, keys, n) {
  writeTagVarUint(w, tag, n);
  for (let j = 0; j < n; j++) writeString(w, keys[j]);
}

/** Every object that is neither an array nor has a plain prototype. */
function writeOther(w, o, depth) {
  if (ArrayBuffer.isView(o)) {
    writeView(w, o);
    return;
  }
  const tag = objectToString.call(o);
  switch (tag) {
    case '[object Object]':
    case '[object Arguments]':
      writePlain(w, o, depth);
      return;
    case '[object Date]': {
      const t = confirm('Date', dateTime, o);
      ensure(w, 9);
      w.u8[w.pos] = TAG.DATE;
      writeFloat64At(w, w.pos + 1, t);
      w.pos += 9;
      return;
    }
    case '[object RegExp]':
      writeByte(w, TAG.REGEXP);
      writeString(w, confirm('RegExp', regExpSource, o));
      writeString(w, regExpFlags.call(o));
      return;
    case '[object Map]':
      confirm('Map', mapSize, o);
      writeMap(w, o, depth);
      return;
    case '[object Set]':
      confirm('Set', setSize, o);
      writeSet(w, o, depth);
      return;
    case '[object Error]':
      writeError(w, o, depth);
      return;
    case '[object ArrayBuffer]': {
      const length = confirm('ArrayBuffer', arrayBufferLength, o);
      writeTaggedBytes(w, TAG.ARRAY_BUFFER, length === 0 ? EMPTY : new Uint8Array(o, 0, length));
      return;
    }
    default:
      throw new Refusal(refusalFor(tag.slice(8, -1)));
  }
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
function refusalFor(type) {
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
function writeView(w, v) {
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

/** MAP: a snapshot of the entries (so getters that change the Map cannot skew the count). */
function writeMap(w, m, depth) {
  enter(w, m, depth);
  const keys = [];
  const values = [];
  mapForEach.call(m, (v, k) => {
    keys.push(k);
    values.push(v);
  });
  const n = keys.length;
  writeTagVarUint(w, TAG.MAP, n);
  let i = 0;
  let inKey = true;
  try {
    for (; i < n; i++) {
      inKey = true;
      writeValue(w, keys[i], depth + 1);
      inKey = false;
      writeValue(w, values[i], depth + 1);
    }
  } catch (e) {
    throw addStep(e, textStep(inKey ? `.keys()[${i}]` : mapValueStep(keys[i], i)));
  }
  leave(w, m, depth);
}

function mapValueStep(key, i) {
  switch (typeof key) {
    case 'string': return `.get(${JSON.stringify(key)})`;
    case 'number': case 'boolean': case 'undefined': return `.get(${String(key)})`;
    case 'bigint': return `.get(${key}n)`;
    default: return key === null ? '.get(null)' : `.values()[${i}]`;
  }
}

/** SET: a snapshot of the elements, as for a Map. */
function writeSet(w, s, depth) {
  enter(w, s, depth);
  const values = [];
  setForEach.call(s, (v) => values.push(v));
  const n = values.length;
  writeTagVarUint(w, TAG.SET, n);
  let i = 0;
  try {
    for (; i < n; i++) writeValue(w, values[i], depth + 1);
  } catch (e) {
    throw addStep(e, textStep(`.values()[${i}]`));
  }
  leave(w, s, depth);
}

/**
 * ERROR: its type (by name, among those structuredClone knows), name, message, stack, cause
 * (when it has one of its own) and its other own enumerable properties (Node's `code`, ...).
 */
function writeError(w, e, depth) {
  enter(w, e, depth);
  const name = e.name;
  const message = e.message;
  const stack = e.stack;
  const type = ERROR_TYPES.indexOf(name);
  ensure(w, 2);
  w.u8[w.pos++] = TAG.ERROR;
  w.u8[w.pos++] = type < 0 ? 0 : type;
  writeString(w, typeof name === 'string' ? name : 'Error');
  writeString(w, typeof message === 'string' ? message : '');
  if (typeof stack === 'string') writeString(w, stack);
  else writeByte(w, TAG.UNDEFINED);
  const keys = Object.keys(e).filter((k) => k !== 'name' && k !== 'message' && k !== 'stack' && k !== 'cause');
  let step = 'cause';
  try {
    if (hasOwn.call(e, 'cause')) {
      writeByte(w, 1);
      writeValue(w, e.cause, depth + 1);
    } else {
      writeByte(w, 0);
    }
    writeVarUint(w, keys.length);
    for (const k of keys) {
      step = k;
      writeString(w, k);
      writeValue(w, e[k], depth + 1);
    }
  } catch (err) {
    throw addStep(err, step);
  }
  leave(w, e, depth);
}

/** BIGINT64 when it fits, else BIGINT (sign and hexadecimal magnitude). */
function writeBigInt(w, x) {
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

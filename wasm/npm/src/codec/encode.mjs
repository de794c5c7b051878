// The encoder's walk: JavaScript values to tagged bytes (format.mjs) through a Writer.
//
// It recurses, one level per container, and refuses containers deeper than MAX_DEPTH (256,
// format.mjs says why), so a 10,000-deep array gets a clear TypeError, not a stack overflow.
//
// Cycles: a container is refused when it is one of its own ancestors. The ancestors are the
// Writer's stack (index = depth). Data is nearly always shallow, so the first SHALLOW_DEPTH
// ancestors are compared one by one (a few pointer compares, no allocation); those deeper also
// go into a Set, so a deep structure costs O(1) per container rather than O(depth). An object
// reached twice by different paths (shared, not circular) is simply written twice.
//
// Objects: the keys of plain objects mostly repeat (items of one chunk look alike), so a key
// list is written once per chunk as a numbered shape and then named by its number (shapes.mjs).
// Every place in the data (a Site) remembers the shape last written there; an object is first
// checked against that shape, with a for-in over its keys (from V8's enum cache, no array made),
// and only a miss lists its keys and looks them up.
//
// Which objects are what: arrays by Array.isArray, plain objects by their prototype
// (Object.prototype or null) on the fast path; any other object by ArrayBuffer.isView and its
// Object.prototype.toString tag, confirmed by the type's own intrinsic accessors (leaves.mjs),
// so objects from another realm (an iframe, a vm context) are recognised too. Class instances
// (tag "Object") are written as plain objects.
import { ERROR_TYPES, MAX_DEPTH, MAX_SHAPES, SHAPE_MAX_KEYS, TAG } from './format.mjs';
import {
  confirmMap, confirmSet, refusalFor, writeArrayBuffer, writeBigInt, writeDate, writeNumber,
  writeRegExp, writeView,
} from './leaves.mjs';
import { Refusal, addStep, textStep } from './refusal.mjs';
import { Site, innerSite, nextEpoch, shapeOf } from './shapes.mjs';
import { writeString } from './utf8.mjs';
import { ensure, writeByte, writeTagVarUint, writeVarUint } from './writer.mjs';

const SHALLOW_DEPTH = 16;

const objectToString = Object.prototype.toString;
const hasOwn = Object.prototype.hasOwnProperty;
const mapForEach = Map.prototype.forEach;
const setForEach = Set.prototype.forEach;

/** The Site of the items of chunks (shared by all chunks: items of one caller look alike). */
const itemSite = new Site();
/** The Site of values with no better place (an error's cause and properties). */
const looseSite = new Site();

/**
 * Writes items[0..n) one after the other; a Refusal becomes the TypeError naming the item
 * (`where`) and the path inside it.
 */
export function writeItems(w, items, where) {
  w.forIn = !hasEnumerable(Object.prototype);
  w.epoch = nextEpoch();
  w.shapeCount = 0;
  const n = items.length;
  let i = 0;
  try {
    for (; i < n; i++) writeValue(w, items[i], 0, itemSite);
  } catch (e) {
    if (e instanceof Refusal) throw e.toTypeError(i, where);
    throw e;
  } finally {
    // Let go of the user's objects.
    w.stack.length = 0;
    w.deep = null;
  }
}

function hasEnumerable(o) {
  for (const k in o) return true; // eslint-disable-line no-unreachable-loop, no-unused-vars
  return false;
}

/**
 * Writes one value; depth: how many containers hold it; site: where it is (shapes.mjs).
 * typeof compared with constants compiles to type checks; a switch on typeof calls a builtin.
 */
function writeValue(w, v, depth, site) {
  if (typeof v === 'number') {
    writeNumber(w, v);
  } else if (typeof v === 'string') {
    writeString(w, v);
  } else if (typeof v === 'object') {
    if (v === null) writeByte(w, TAG.NULL);
    else if (Array.isArray(v)) writeArray(w, v, depth, site);
    else {
      const proto = Object.getPrototypeOf(v);
      if (proto === Object.prototype) writePlain(w, v, depth, site, w.forIn);
      else if (proto === null) writePlain(w, v, depth, site, true);
      else writeOther(w, v, depth, site);
    }
  } else if (typeof v === 'boolean') {
    writeByte(w, v ? TAG.TRUE : TAG.FALSE);
  } else if (typeof v === 'undefined') {
    writeByte(w, TAG.UNDEFINED);
  } else if (typeof v === 'bigint') {
    writeBigInt(w, v);
  } else if (typeof v === 'function') {
    throw new Refusal('is a function: functions cannot be sent');
  } else if (typeof v === 'symbol') {
    throw new Refusal('is a symbol: symbols cannot be sent');
  } else {
    throw new Refusal(`is a ${typeof v}, a type the codec does not know`);
  }
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
function writeArray(w, a, depth, site) {
  enter(w, a, depth);
  const n = a.length;
  writeTagVarUint(w, TAG.ARRAY, n);
  const inner = innerSite(site);
  let i = 0;
  try {
    for (; i < n; i++) writeValue(w, a[i], depth + 1, inner);
  } catch (e) {
    throw addStep(e, i);
  }
  leave(w, a, depth);
}

/**
 * A plain object (or a class instance): its own enumerable string keys, in order.
 * forIn: no prototype of o has enumerable properties, so for-in sees o's own keys only.
 */
function writePlain(w, o, depth, site, forIn) {
  enter(w, o, depth);
  let shape = site.shape;
  let keys = null;
  if (shape !== null && !(forIn ? hasKeys(o, shape.keys) : sameKeys(keys = Object.keys(o), shape.keys))) {
    shape = null;
  }
  if (shape === null) {
    if (keys === null) keys = Object.keys(o);
    if (keys.length > SHAPE_MAX_KEYS) {
      writeKeys(w, TAG.OBJECT_INLINE, keys);
      writeValues(w, o, keys, depth, null);
      leave(w, o, depth);
      return;
    }
    shape = shapeOf(keys);
    site.shape = shape;
  }
  if (shape.epoch === w.epoch) {
    writeTagVarUint(w, TAG.OBJECT_SHAPE, shape.id);
  } else if (w.shapeCount < MAX_SHAPES) {
    shape.epoch = w.epoch;
    shape.id = w.shapeCount++;
    writeKeys(w, TAG.OBJECT_NEW, shape.keys);
  } else {
    writeKeys(w, TAG.OBJECT_INLINE, shape.keys);
  }
  if (forIn) writeValuesForIn(w, o, shape.keys, depth, shape.sites);
  else writeValues(w, o, shape.keys, depth, shape.sites);
  leave(w, o, depth);
}

/**
 * writeValues by for-in: o[k] of a key from V8's enum cache loads the field by its index,
 * where o[keys[j]] is a megamorphic lookup (an eighth of the time of a small object). If a getter
 * changes o's keys on the way, the values left are read by key.
 */
function writeValuesForIn(w, o, keys, depth, sites) {
  const n = keys.length;
  let j = 0;
  try {
    for (const k in o) {
      if (j === n || k !== keys[j]) break;
      writeValue(w, o[k], depth + 1, sites[j]);
      j++;
    }
    for (; j < n; j++) writeValue(w, o[keys[j]], depth + 1, sites[j]);
  } catch (e) {
    throw addStep(e, keys[j]);
  }
}

/** o[keys[j]] for each key (undefined for a key a getter removed on the way). */
function writeValues(w, o, keys, depth, sites) {
  const n = keys.length;
  let j = 0;
  try {
    for (; j < n; j++) writeValue(w, o[keys[j]], depth + 1, sites === null ? looseSite : sites[j]);
  } catch (e) {
    throw addStep(e, keys[j]);
  }
}

/** Whether for-in gives exactly `keys`, in order. */
function hasKeys(o, keys) {
  const n = keys.length;
  let j = 0;
  for (const k in o) {
    if (j === n || k !== keys[j]) return false;
    j++;
  }
  return j === n;
}

function sameKeys(a, b) {
  const n = a.length;
  if (n !== b.length) return false;
  for (let j = 0; j < n; j++) if (a[j] !== b[j]) return false;
  return true;
}

function writeKeys(w, tag, keys) {
  const n = keys.length;
  writeTagVarUint(w, tag, n);
  for (let j = 0; j < n; j++) writeString(w, keys[j]);
}

/** Every object that is neither an array nor has a plain prototype. */
function writeOther(w, o, depth, site) {
  if (ArrayBuffer.isView(o)) {
    writeView(w, o);
    return;
  }
  const tag = objectToString.call(o);
  switch (tag) {
    case '[object Object]':
    case '[object Arguments]':
      writePlain(w, o, depth, site, false);
      return;
    case '[object Date]':
      writeDate(w, o);
      return;
    case '[object RegExp]':
      writeRegExp(w, o);
      return;
    case '[object Map]':
      confirmMap(o);
      writeMap(w, o, depth, site);
      return;
    case '[object Set]':
      confirmSet(o);
      writeSet(w, o, depth, site);
      return;
    case '[object Error]':
      writeError(w, o, depth);
      return;
    case '[object ArrayBuffer]':
      writeArrayBuffer(w, o);
      return;
    default:
      throw new Refusal(refusalFor(tag.slice(8, -1)));
  }
}

/** MAP: a snapshot of the entries (so getters that change the Map cannot skew the count). */
function writeMap(w, m, depth, site) {
  enter(w, m, depth);
  const keys = [];
  const values = [];
  mapForEach.call(m, (v, k) => {
    keys.push(k);
    values.push(v);
  });
  const n = keys.length;
  writeTagVarUint(w, TAG.MAP, n);
  const inner = innerSite(site);
  let i = 0;
  let inKey = true;
  try {
    for (; i < n; i++) {
      inKey = true;
      writeValue(w, keys[i], depth + 1, inner);
      inKey = false;
      writeValue(w, values[i], depth + 1, inner);
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
function writeSet(w, s, depth, site) {
  enter(w, s, depth);
  const values = [];
  setForEach.call(s, (v) => values.push(v));
  const n = values.length;
  writeTagVarUint(w, TAG.SET, n);
  const inner = innerSite(site);
  let i = 0;
  try {
    for (; i < n; i++) writeValue(w, values[i], depth + 1, inner);
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
      writeValue(w, e.cause, depth + 1, looseSite);
    } else {
      writeByte(w, 0);
    }
    writeVarUint(w, keys.length);
    for (const k of keys) {
      step = k;
      writeString(w, k);
      writeValue(w, e[k], depth + 1, looseSite);
    }
  } catch (err) {
    throw addStep(err, step);
  }
  leave(w, e, depth);
}


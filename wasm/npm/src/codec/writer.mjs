// The byte sink of the encoder: a Uint8Array, a DataView on it and a write position, plus the
// per-chunk state of the walk (shape numbering, the ancestors used to find cycles).
//
// The buffer grows (doubling) as needed. Every write first calls ensure() with an upper bound of
// what it writes, so the hot loops store bytes without further checks; ensure is a compare and
// a branch, small enough to be inlined.
import { MAX_CHUNK_BYTES } from './format.mjs';

export class Writer {
  /** u8: the first buffer (written from 0; replaced by a larger copy when it is full). */
  constructor(u8) {
    this.u8 = u8;
    this.dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
    this.pos = 0;
    // This encode's number among all encodes, and how many shapes it numbered (shapes.mjs).
    this.epoch = 0;
    this.shapeCount = 0;
    // The containers on the path from the item to the value being written (index = depth),
    // and a Set of those deeper than SHALLOW_DEPTH (encode.mjs explains the split).
    this.stack = [];
    this.deep = null;
    // Object.prototype has no enumerable properties (checked per chunk): for-in over a plain
    // object then gives its own keys only.
    this.forIn = false;
  }

  /** Forgets the previous chunk. */
  reset() {
    this.pos = 0;
    this.stack.length = 0;
    this.deep = null;
  }
}

/** Makes room for n more bytes. */
export function ensure(w, n) {
  if (w.pos + n > w.u8.length) grow(w, n);
}

function grow(w, n) {
  const need = w.pos + n;
  if (need > MAX_CHUNK_BYTES) {
    throw new RangeError(
      `weir codec: a chunk would take more than ${MAX_CHUNK_BYTES} bytes: send smaller chunks`);
  }
  let cap = Math.max(w.u8.length * 2, 256);
  while (cap < need) cap *= 2;
  const u8 = new Uint8Array(Math.min(cap, MAX_CHUNK_BYTES));
  u8.set(w.u8.subarray(0, w.pos));
  w.u8 = u8;
  w.dv = new DataView(u8.buffer);
}

/** Writes one byte. */
export function writeByte(w, b) {
  ensure(w, 1);
  w.u8[w.pos++] = b;
}

/** Writes a varint (v: an integer in [0, 2^32)). */
export function writeVarUint(w, v) {
  ensure(w, 5);
  const u8 = w.u8;
  let p = w.pos;
  while (v >= 0x80) {
    u8[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  u8[p++] = v;
  w.pos = p;
}

/** Writes a tag byte and a varint. */
export function writeTagVarUint(w, tag, v) {
  ensure(w, 6);
  const u8 = w.u8;
  let p = w.pos;
  u8[p++] = tag;
  while (v >= 0x80) {
    u8[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  u8[p++] = v;
  w.pos = p;
}

/** Writes bytes (a Uint8Array, possibly on shared memory) after a tag and their length. */
export function writeTaggedBytes(w, tag, bytes) {
  writeTagVarUint(w, tag, bytes.length);
  ensure(w, bytes.length);
  w.u8.set(bytes, w.pos);
  w.pos += bytes.length;
}

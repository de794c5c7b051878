// Strings in and out of chunk bytes: UTF-8 for well-formed strings, UTF-16 units for the rest.
//
// Why by hand: most strings in items are short (names, keys, ids), and a call of TextEncoder's
// encodeInto or TextDecoder's decode costs a few hundred ns in Node 20, many times the work of a
// loop over ten characters. So short strings are encoded and decoded here, and TextEncoder /
// TextDecoder take the long ones, where their per-byte speed wins.
//
// Lone surrogates (a UTF-16 unit in D800-DFFF without its partner) have no UTF-8 form:
// TextEncoder would turn them into U+FFFD. A string holding one is written as STRING16, its UTF-16
// units as they are, so every JavaScript string comes back exactly. Browsers' TextDecoder also
// refuses views on a SharedArrayBuffer (wasm memory of a threaded build): long strings there are
// copied out first; short ones are decoded in place by hand.
import { TAG } from './format.mjs';
import { ensure, writeTagVarUint } from './writer.mjs';

/** Strings up to this many UTF-16 units are encoded by hand. */
const HAND_ENCODE_MAX = 256;
/** Strings up to this many bytes are decoded by hand (when they are well-formed UTF-8). */
const HAND_DECODE_MAX = 64;

const encoder = new TextEncoder();
// ignoreBOM: a string may start with U+FEFF; the default decoder would drop it.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const fromCharCode = String.fromCharCode;

/** Whether s has no lone surrogate (String.prototype.isWellFormed, where the engine has it). */
const isWellFormed = typeof String.prototype.isWellFormed === 'function'
  ? (s) => s.isWellFormed()
  : (s) => {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0xd800 || c > 0xdfff) continue;
      if (c > 0xdbff) return false;
      const d = s.charCodeAt(++i); // NaN past the end
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
    }
    return true;
  };

// ---------------------------------------------------------------------------------------------
// Encoding

/** Writes a string value (STRING, or STRING16 when it holds a lone surrogate). */
export function writeString(w, s) {
  const n = s.length;
  // Up to 42 units take at most 126 bytes: a one-byte length. This is the hot path.
  if (n <= 42) {
    ensure(w, 2 + 3 * n);
    const u8 = w.u8;
    const at = w.pos;
    let p = at + 2;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      u8[p++] = c;
    }
    if (i < n) {
      p = writeUtf8Tail(s, i, n, u8, p);
      if (p < 0) return writeUtf16(w, s);
    }
    u8[at] = TAG.STRING;
    u8[at + 1] = p - at - 2;
    w.pos = p;
    return;
  }
  if (n <= HAND_ENCODE_MAX) return writeMedium(w, s, n);
  return writeLong(w, s, n);
}

/** 43 to 256 units: at most 768 bytes, a two-byte length (padded when the string is shorter). */
function writeMedium(w, s, n) {
  ensure(w, 3 + 3 * n);
  const u8 = w.u8;
  const at = w.pos;
  const p = writeUtf8Tail(s, 0, n, u8, at + 3);
  if (p < 0) return writeUtf16(w, s);
  const len = p - at - 3;
  u8[at] = TAG.STRING;
  u8[at + 1] = (len & 0x7f) | 0x80;
  u8[at + 2] = len >>> 7;
  w.pos = p;
}

/** Long strings: TextEncoder, after a check for lone surrogates; a five-byte length. */
function writeLong(w, s, n) {
  if (!isWellFormed(s)) return writeUtf16(w, s);
  // Room for an all-ASCII string first; encodeInto stops at a code point that does not fit,
  // so a string with wider characters continues in a grown buffer.
  ensure(w, 6 + n);
  const at = w.pos;
  let p = at + 6;
  let rest = s;
  for (;;) {
    const r = encoder.encodeInto(rest, w.u8.subarray(p));
    p += r.written;
    if (r.read === rest.length) break;
    rest = rest.slice(r.read);
    w.pos = p;
    ensure(w, rest.length + 4);
  }
  let len = p - at - 6;
  const u8 = w.u8;
  u8[at] = TAG.STRING;
  for (let k = 1; k < 5; k++, len >>>= 7) u8[at + k] = (len & 0x7f) | 0x80;
  u8[at + 5] = len;
  w.pos = p;
}

/**
 * Encodes s[i..n) as UTF-8 at u8[p..] (room for 3 bytes a unit is there); returns the end, or -1
 * at a lone surrogate.
 */
function writeUtf8Tail(s, i, n, u8, p) {
  for (; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      u8[p++] = c;
    } else if (c < 0x800) {
      u8[p++] = 0xc0 | (c >> 6);
      u8[p++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c > 0xdfff) {
      u8[p++] = 0xe0 | (c >> 12);
      u8[p++] = 0x80 | ((c >> 6) & 0x3f);
      u8[p++] = 0x80 | (c & 0x3f);
    } else {
      // A surrogate: a high one followed by a low one is one code point (4 bytes for 2 units).
      if (c > 0xdbff || i + 1 === n) return -1;
      const d = s.charCodeAt(i + 1);
      if (d < 0xdc00 || d > 0xdfff) return -1;
      c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      i++;
      u8[p++] = 0xf0 | (c >> 18);
      u8[p++] = 0x80 | ((c >> 12) & 0x3f);
      u8[p++] = 0x80 | ((c >> 6) & 0x3f);
      u8[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p;
}

/** STRING16: the unit count and the UTF-16LE units, exactly. */
function writeUtf16(w, s) {
  const n = s.length;
  writeTagVarUint(w, TAG.STRING16, n);
  ensure(w, 2 * n);
  const u8 = w.u8;
  let p = w.pos;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    u8[p++] = c & 0xff;
    u8[p++] = c >>> 8;
  }
  w.pos = p;
}

// ---------------------------------------------------------------------------------------------
// Decoding

/**
 * The string in UTF-8 bytes u8[p, p + len). shared: u8 lies in a SharedArrayBuffer.
 * Malformed bytes become U+FFFD (as TextDecoder does); they never throw.
 */
export function readUtf8(u8, p, len, shared) {
  if (len <= HAND_DECODE_MAX) {
    const s = len <= 16 ? asciiShort(u8, p, len) : asciiChunks(u8, p, p + len);
    if (s !== null) return s;
    const t = utf8ByHand(u8, p, p + len);
    if (t !== null) return t;
  }
  const view = u8.subarray(p, p + len);
  return decoder.decode(shared ? view.slice() : view);
}

/** The string of UTF-16LE units u8[p, p + 2 * count), lone surrogates included. */
export function readUtf16(u8, p, count) {
  let s = '';
  const units = new Array(Math.min(count, 16));
  let k = 0;
  for (let i = 0; i < count; i++, p += 2) {
    units[k++] = u8[p] | (u8[p + 1] << 8);
    if (k === 16) {
      s += unitsToString(units, 16);
      k = 0;
    }
  }
  return k === 0 ? s : s + unitsToString(units, k);
}

// String.fromCharCode with its arguments spelled out is several times faster than with
// apply() over an array or a subarray (measured in Node 20), so short strings are made from
// up to 16 units at a time.

/** ASCII bytes u8[p, p + len), len <= 16, as a string; null if one is not ASCII. */
function asciiShort(u8, p, len) {
  let or = 0;
  for (let i = 0; i < len; i++) or |= u8[p + i];
  if (or >= 0x80) return null;
  return bytesToString(u8, p, len);
}

/** ASCII bytes u8[p, end) as a string, 16 at a time; null if one is not ASCII. */
function asciiChunks(u8, p, end) {
  let or = 0;
  for (let i = p; i < end; i++) or |= u8[i];
  if (or >= 0x80) return null;
  let s = '';
  for (; end - p > 16; p += 16) s += bytesToString(u8, p, 16);
  return s + bytesToString(u8, p, end - p);
}

/** Well-formed UTF-8 u8[p, end) as a string by hand; null at anything malformed. */
function utf8ByHand(u8, p, end) {
  const units = [];
  while (p < end) {
    const b = u8[p++];
    if (b < 0x80) {
      units.push(b);
      continue;
    }
    let cp;
    let more;
    if (b >= 0xc2 && b <= 0xdf) {
      cp = b & 0x1f;
      more = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
      cp = b & 0x0f;
      more = 2;
    } else if (b >= 0xf0 && b <= 0xf4) {
      cp = b & 0x07;
      more = 3;
    } else {
      return null;
    }
    if (p + more > end) return null;
    for (let k = 0; k < more; k++) {
      const c = u8[p++];
      if ((c & 0xc0) !== 0x80) return null;
      cp = (cp << 6) | (c & 0x3f);
    }
    // Overlong forms, encoded surrogates and code points past U+10FFFF are malformed.
    if ((more === 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (more === 3 && (cp < 0x10000 || cp > 0x10ffff))) return null;
    if (cp < 0x10000) {
      units.push(cp);
    } else {
      cp -= 0x10000;
      units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    }
  }
  let s = '';
  let i = 0;
  for (; units.length - i > 16; i += 16) s += unitsToString(units.slice(i, i + 16), 16);
  return s + unitsToString(units.slice(i), units.length - i);
}

function unitsToString(a, n) {
  return bytesToString(a, 0, n);
}

/**
 * a[p, p + n) (n <= 16; a Uint8Array or an array of UTF-16 units) as a string. One call of
 * String.fromCharCode per string: building it from pieces makes garbage, and at scale garbage
 * means more scavenges, each copying every decoded value still young.
 */
function bytesToString(a, p, n) {
  switch (n) {
    case 0: return '';
    case 1: return fromCharCode(a[p]);
    case 2: return fromCharCode(a[p], a[p + 1]);
    case 3: return fromCharCode(a[p], a[p + 1], a[p + 2]);
    case 4: return fromCharCode(a[p], a[p + 1], a[p + 2], a[p + 3]);
    case 5: return fromCharCode(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4]);
    case 6: return fromCharCode(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5]);
    case 7: return fromCharCode(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6]);
    case 8:
      return fromCharCode(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6],
        a[p + 7]);
    case 9:
      return fromCharCode(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6],
        a[p + 7], a[p + 8]);
    case 10:
      return fromCharCode(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6],
        a[p + 7], a[p + 8], a[p + 9]);
    case 11:
      return fromCharCode(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6],
        a[p + 7], a[p + 8], a[p + 9], a[p + 10]);
    case 12:
      return fromCharCode(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6],
        a[p + 7], a[p + 8], a[p + 9], a[p + 10], a[p + 11]);
    case 13:
      return fromCharCode(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6],
        a[p + 7], a[p + 8], a[p + 9], a[p + 10], a[p + 11], a[p + 12]);
    case 14:
      return fromCharCode(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6],
        a[p + 7], a[p + 8], a[p + 9], a[p + 10], a[p + 11], a[p + 12], a[p + 13]);
    case 15:
      return fromCharCode(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6],
        a[p + 7], a[p + 8], a[p + 9], a[p + 10], a[p + 11], a[p + 12], a[p + 13], a[p + 14]);
    default:
      return fromCharCode(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6],
        a[p + 7], a[p + 8], a[p + 9], a[p + 10], a[p + 11], a[p + 12], a[p + 13], a[p + 14],
        a[p + 15]);
  }
}

// The byte format of an 'any' chunk: the tags, their payloads and the limits, shared by the
// encoder (encode.mjs) and the decoder (decode.mjs). codec.mjs explains the format as a whole;
// this file is its reference.
//
// A chunk is its items one after the other, each a tagged value: one tag byte, then the payload
// the tag says. Nothing precedes the first item and nothing marks the end: the item count
// travels beside the bytes. Containers hold tagged values, so a value is read in one pass
// without lookahead. All multi-byte numbers are little-endian (the byte order of wasm).
//
// `varint` is an unsigned LEB128 number (7 bits a byte, low first, high bit = more follows). A
// string's room for its byte length is set aside before its bytes are written, so its width
// comes from the string's UTF-16 length (1 byte up to 42 units, 2 up to 256, 5 beyond: enough
// for 3 bytes a unit), padded with 0x80 continuation bytes when the real length is shorter;
// readers accept padded varints. The width depends on the string alone, so the encoding of a
// value is still one fixed sequence of bytes.

export const TAG = {
  UNDEFINED: 0x00, //  -
  NULL: 0x01, //       -
  FALSE: 0x02, //      -
  TRUE: 0x03, //       -
  INT8: 0x04, //       int8: an integer in [-128, 127] (never -0)
  INT32: 0x05, //      int32: any other integer in int32 range (never -0)
  FLOAT64: 0x06, //    float64: every other number (-0, NaN as 0x7ff8000000000000, Infinity, fractions)
  STRING: 0x07, //     varint byte length, UTF-8 bytes (well-formed strings)
  STRING16: 0x08, //   varint unit count, UTF-16LE units (strings with lone surrogates, kept exactly)
  ARRAY: 0x09, //      varint count, count values
  OBJECT_NEW: 0x0a, // varint count, count keys (STRING or STRING16 values), count values;
  //                   the key list becomes the chunk's next shape (numbered 0, 1, ... per chunk)
  OBJECT_SHAPE: 0x0b, // varint shape number, then one value per key of that shape
  OBJECT_INLINE: 0x0c, // as OBJECT_NEW, but the keys become no shape (large or too many shapes)
  BIGINT64: 0x0d, //   int64: a BigInt in [-2^63, 2^63)
  BIGINT: 0x0e, //     sign byte (0 or 1 = negative), varint length, magnitude in hexadecimal ASCII
  DATE: 0x0f, //       float64: the time value (NaN for an invalid date)
  REGEXP: 0x10, //     source (a string value), flags (a string value)
  MAP: 0x11, //        varint count, count (key value, value value) pairs
  SET: 0x12, //        varint count, count values
  ERROR: 0x13, //      type byte (ERROR_TYPES), name, message, stack (string values; stack may be
  //                   UNDEFINED), flag byte (1: has a cause, then the cause value), varint count,
  //                   count (key string value, value) pairs of the error's other own properties
  TYPED_ARRAY: 0x14, // type byte (TYPED_ARRAYS), varint byte length, the view's bytes
  ARRAY_BUFFER: 0x15, // varint byte length, bytes
  DATA_VIEW: 0x16, //  varint byte length, bytes
};

/**
 * Containers nested deeper than this are refused (encoding) or rejected as corrupt (decoding).
 * Both walks recurse, and before V8 optimises them a level takes up to about 650 bytes of stack
 * (measured with node --stack-size: a chain of Error causes 1000 deep needed 636 KiB), so 256
 * levels take about 170 KiB, a sixth of V8's default ~1 MiB: room for a web worker's smaller
 * stack and for a caller deep inside user code (the test runs them in 320 KiB). Deeper data gets
 * a clear TypeError rather than a RangeError from a stack overflow. (serde_json stops at 128.)
 */
export const MAX_DEPTH = 256;

/** An 'any' chunk may not exceed this many bytes: the encoder refuses rather than allocate more. */
export const MAX_CHUNK_BYTES = 2 ** 30;

/** Objects with more keys than this are written OBJECT_INLINE (no shape lookup). */
export const SHAPE_MAX_KEYS = 64;

/** A chunk defines at most this many shapes; later new key lists are written OBJECT_INLINE. */
export const MAX_SHAPES = 4096;

/** Typed array types by their type byte. Float16Array (type 11) where the engine has it. */
export const TYPED_ARRAYS = [
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array',
  'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'Float16Array',
];

/**
 * Error constructors by their type byte: the ones structuredClone knows. An error whose name is
 * none of these is sent as type 0 (Error) and gets its name back as an own property.
 */
export const ERROR_TYPES = [
  'Error', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError',
];

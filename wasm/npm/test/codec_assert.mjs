// Assertions shared by the codec's tests (codec_*.test.mjs): a round trip through every way in
// and out of the codec (all must agree, and encoding is repeatable), a comparison that also
// looks at the bytes of every number (-0, NaN), and a refusal checked against its message.
// A module, not a test file: the tests that use it import the codec from ../src/ themselves
// too, which is what makes scripts/test.sh run them in the source tree, where this file is.
import assert from 'node:assert/strict';
import {
  decodeChunk, decodeFrom, encodeChunk, encodeChunkScratch, encodeInto,
} from '../src/codec.mjs';

/**
 * Round-trips items through every way in and out (encodeChunk, encodeChunkScratch, encodeInto
 * with decodeFrom) and returns what came back (all ways must agree, and encoding is repeatable).
 */
export function roundTrip(items) {
  const chunk = encodeChunk(items);
  const back = decodeChunk(chunk);
  assert.equal(back.length, items.length);

  const scratch = encodeChunkScratch(items);
  assert.equal(scratch.kind, chunk.kind);
  if (chunk.kind === 'any') {
    assert.deepEqual(scratch.bytes, chunk.bytes, 'encodeChunkScratch writes the same bytes');
    const room = new Uint8Array(chunk.bytes.length + 7);
    const end = encodeInto(items, room, 3);
    assert.equal(end, 3 + chunk.bytes.length);
    assert.deepEqual(room.subarray(3, end), chunk.bytes, 'encodeInto writes the same bytes');
    assertSame(decodeFrom(room, 3, items.length, end), back);
    assert.deepEqual(encodeChunk(items).bytes, chunk.bytes, 'encoding is deterministic');
  } else {
    assert.deepEqual(scratch.f64, chunk.f64);
  }
  assertSame(decodeChunk(scratch), back);
  return back;
}

/** deepStrictEqual, plus what it may not look at: the bytes of every number (-0, NaN). */
export function assertSame(actual, expected, message) {
  assert.deepStrictEqual(actual, expected, message);
  const a = encodeChunk(Array.isArray(actual) ? actual : [actual]);
  const e = encodeChunk(Array.isArray(expected) ? expected : [expected]);
  assert.equal(a.kind, e.kind, message);
  assert.deepStrictEqual(bytesOf(a), bytesOf(e), message);
}

function bytesOf(chunk) {
  return chunk.kind === 'f64' ? new Uint8Array(chunk.f64.buffer, chunk.f64.byteOffset, chunk.f64.byteLength) : chunk.bytes;
}

export function assertRoundTrips(items, message) {
  assertSame(roundTrip(items), items, message);
}

/** The TypeError of encoding items, checked against `message` (a string or RegExp). */
export function assertRefused(items, message, where) {
  assert.throws(() => encodeChunk(items, where), (e) => {
    assert.ok(e instanceof TypeError, `a TypeError, not ${e}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

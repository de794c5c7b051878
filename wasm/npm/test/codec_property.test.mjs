// A seeded property test of the item codec (src/codec.mjs): 3,000 random values of every
// supported type (codec_random.mjs) round-trip exactly, one by one and in chunks, and encoding
// a decoded value gives the same bytes again. The seed is fixed, so every run is the same.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeChunk, encodeChunk } from '../src/codec.mjs';
import { assertSame, roundTrip } from './codec_assert.mjs';
import { prng, randomValue } from './codec_random.mjs';

/** Errors compared field by field (deepStrictEqual looks at name and message only). */
function assertErrorsSame(actual, expected) {
  if (expected instanceof Error) {
    assert.equal(Object.getPrototypeOf(actual), Object.getPrototypeOf(expected));
    assert.equal(actual.stack, expected.stack);
    assert.equal('cause' in actual, 'cause' in expected);
    if ('cause' in expected) assertSame(actual.cause, expected.cause);
  } else if (expected && typeof expected === 'object' && !ArrayBuffer.isView(expected)) {
    const values = expected instanceof Map ? [...expected.values()] : expected instanceof Set ? [] : Object.values(expected);
    const got = actual instanceof Map ? [...actual.values()] : actual instanceof Set ? [] : Object.values(actual);
    values.forEach((v, i) => assertErrorsSame(got[i], v));
  }
}

describe('codec property test', () => {
  test('3,000 random values round-trip exactly, one by one and in chunks, with repeatable bytes', () => {
    const random = prng(20240611);
    const values = Array.from({ length: 3000 }, () => randomValue(random, 0));
    for (let i = 0; i < values.length; i++) {
      const items = [values[i]];
      const chunk = encodeChunk(items);
      const back = decodeChunk(chunk);
      try {
        assertSame(back, items);
        assertErrorsSame(back[0], values[i]);
        if (chunk.kind === 'any') {
          assert.deepEqual(encodeChunk(back).bytes, chunk.bytes, 're-encoding the decoded value gives the same bytes');
        }
      } catch (e) {
        e.message = `value ${i}: ${e.message}`;
        throw e;
      }
    }
    for (let start = 0; start < values.length; start += 500) {
      const items = values.slice(start, start + 500);
      assertSame(roundTrip(items), items);
    }
  });
});

// The item codec (src/codec.mjs) where new Function is refused (a strict Content-Security-
// Policy): objects are then built key by key instead of by a compiled builder. A file of its
// own because the test turns the builders off for the rest of its process.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeChunk, encodeChunk } from '../src/codec.mjs';
import { assertSame } from './codec_assert.mjs';

// Last, as it turns the builders off for the rest of this process.
describe('codec without code generation', () => {
  test('where new Function is refused (a strict Content-Security-Policy), objects are built key by key', () => {
    const original = globalThis.Function;
    let refused = 0;
    globalThis.Function = function Function() {
      refused++;
      throw new EvalError('Refused to evaluate a string as JavaScript (unsafe-eval)');
    };
    try {
      const items = Array.from({ length: 50 }, (_, i) => ({ neverSeenBefore: i, csp: 'strict' }));
      assertSame(decodeChunk(encodeChunk(items)), items);
      assert.equal(refused, 1, 'tried once, then never again');
      assertSame(decodeChunk(encodeChunk(items)), items);
      assert.equal(refused, 1);
    } finally {
      globalThis.Function = original;
    }
  });
});

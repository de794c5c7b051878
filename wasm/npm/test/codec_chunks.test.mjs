// The item codec's chunks (src/codec.mjs): which kind a chunk is (f64 exactly when every item
// is a number), which results stay valid and which views are reused, encodes nested through
// getters, and chunks decoded from and encoded into shared memory, as the workers see them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decodeChunk, decodeFrom, encodeChunk, encodeChunkScratch, encodeInto,
} from '../src/codec.mjs';
import { assertSame } from './codec_assert.mjs';

describe('codec chunk kind', () => {
  test('f64 exactly when every item is a number', () => {
    assert.equal(encodeChunk([1, 2.5, NaN, -0]).kind, 'f64');
    assert.equal(encodeChunk([1]).kind, 'f64');
    for (const odd of ['1', null, undefined, 1n, true, [1], { n: 1 }, new Date(0)]) {
      assert.equal(encodeChunk([1, 2, odd]).kind, 'any', `with ${String(odd)} last`);
      assert.equal(encodeChunk([odd, 1, 2]).kind, 'any', `with ${String(odd)} first`);
    }
    // eslint-disable-next-line no-sparse-arrays
    assert.equal(encodeChunk([1, , 3]).kind, 'any', 'a hole is undefined, not a number');
  });

  test('an f64 chunk holds the numbers themselves', () => {
    const chunk = encodeChunk([1, -0, 0.25]);
    assert.deepEqual([...chunk.f64], [1, -0, 0.25]);
    assert.ok(Object.is(chunk.f64[1], -0));
    assert.equal(chunk.length, 3);
  });

  test('encodeChunk results stay valid; encodeChunkScratch views are reused by the next encode', () => {
    const first = encodeChunk(['a', { b: 1 }]);
    const copy = first.bytes.slice();
    encodeChunk(['something', 'else', 'entirely']);
    assert.deepEqual(first.bytes, copy);
    const s1 = encodeChunkScratch(['a']);
    const s2 = encodeChunkScratch(['b']);
    assert.equal(s1.bytes.buffer, s2.bytes.buffer, 'the same scratch buffer');
    assert.deepStrictEqual(decodeChunk(s2), ['b']);
  });

  test('an encode started by a getter during another encode does not disturb it', () => {
    const inner = { get value() { return decodeChunk(encodeChunkScratch(['inner', { x: 1 }]))[1]; } };
    const items = ['outer', inner, { after: 'the getter' }];
    const chunk = encodeChunkScratch(items);
    assert.deepStrictEqual(decodeChunk(chunk), ['outer', { value: { x: 1 } }, { after: 'the getter' }]);
    // The inner encode numbers the outer one's shape ({ x }) for itself: the outer one must
    // define it again before using it.
    const nested = [{ x: 1 }, { get x() { encodeChunk([{ y: 0 }, { x: 5 }]); return 2; } }, { x: 3 }];
    assert.deepStrictEqual(decodeChunk(encodeChunk(nested)), [{ x: 1 }, { x: 2 }, { x: 3 }]);
  });

  test('a getter that removes keys of its object on the way gives undefined for them', () => {
    const o = { a: 1, get b() { delete this.c; return 2; }, c: 3 };
    const items = [{ a: 0, b: 0, c: 0 }, o]; // the first object makes { a, b, c } the known shape
    assert.deepStrictEqual(decodeChunk(encodeChunk(items)), [{ a: 0, b: 0, c: 0 }, { a: 1, b: 2, c: undefined }]);
  });
});

describe('codec on shared memory', () => {
  /** Browsers' TextDecoder refuses views on shared memory (Node's accepts them): act like one. */
  function withBrowserTextDecoder(fn) {
    const decode = TextDecoder.prototype.decode;
    TextDecoder.prototype.decode = function (input, options) {
      if (input && input.buffer instanceof SharedArrayBuffer) {
        throw new TypeError("Failed to execute 'decode' on 'TextDecoder': The provided ArrayBufferView value must not be shared.");
      }
      return decode.call(this, input, options);
    };
    try {
      fn();
    } finally {
      TextDecoder.prototype.decode = decode;
    }
  }

  test('an any chunk decodes from a view of a SharedArrayBuffer at an odd offset', () => {
    const items = ['short', 'é', 'long '.repeat(100), `${'ü'.repeat(200)}`, '\ud800', 1.5, 7, -0,
      { id: 1, name: 'x', tags: ['a'] }, { id: 2, name: 'y', tags: [] }, new Float64Array([1, 2]),
      new Map([[1, 2]]), 2n ** 100n, new Date(3), [new ArrayBuffer(3)]];
    const { bytes } = encodeChunk(items);
    const sab = new SharedArrayBuffer(bytes.length + 64);
    const view = new Uint8Array(sab, 13, bytes.length);
    view.set(bytes);
    withBrowserTextDecoder(() => {
      const back = decodeChunk({ kind: 'any', bytes: view, length: items.length });
      assertSame(back, items);
      assert.ok(back[10].buffer instanceof ArrayBuffer, 'typed arrays get unshared buffers');
      assertSame(decodeFrom(new Uint8Array(sab), 13, items.length, 13 + bytes.length), items);
    });
  });

  test('an f64 chunk decodes from a Float64Array on a SharedArrayBuffer at an offset', () => {
    const sab = new SharedArrayBuffer(8 * 10);
    const f64 = new Float64Array(sab, 16, 4);
    f64.set([1, -0, NaN, 0.5]);
    const back = decodeChunk({ kind: 'f64', f64, length: 4 });
    assertSame(back, [1, -0, NaN, 0.5]);
    assert.deepStrictEqual(decodeChunk({ kind: 'f64', f64, length: 2 }), [1, -0], 'length may be less than the view');
  });

  test('encodeInto writes into shared memory, or nothing when the items do not fit', () => {
    const items = [{ a: 'x'.repeat(50) }, 'y'];
    const size = encodeChunk(items).bytes.length;
    const sab = new SharedArrayBuffer(size + 10);
    const u8 = new Uint8Array(sab);
    u8.fill(0xee);
    assert.equal(encodeInto(items, u8, 5), 5 + size);
    assert.deepStrictEqual(decodeFrom(u8, 5, 2, 5 + size), items);
    const small = new Uint8Array(sab, 0, size - 1);
    u8.fill(0xee);
    assert.equal(encodeInto(items, small, 0), -1);
    assert.ok(u8.every((b) => b === 0xee), 'nothing written when the items do not fit');
    assert.equal(encodeInto(items, new Uint8Array(sab, 0, size), 0), size, 'exactly enough room');
    assert.equal(encodeInto(items, u8, size + 10), -1, 'no room at all');
  });
});

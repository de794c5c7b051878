// Tests of the item codec (src/codec.mjs): round trips of every supported value and edge case,
// the choice of chunk kind, decoding from shared memory, every refusal and its message, bytes
// that are not a chunk, and a seeded property test over a few thousand random values.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import {
  CodecError, MAX_DEPTH, decodeChunk, decodeFrom, encodeChunk, encodeChunkScratch, encodeInto,
} from '../src/codec.mjs';

// ---------------------------------------------------------------------------------------------
// Helpers

/**
 * Round-trips items through every way in and out (encodeChunk, encodeChunkScratch, encodeInto
 * with decodeFrom) and returns what came back (all ways must agree, and encoding is repeatable).
 */
function roundTrip(items) {
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
function assertSame(actual, expected, message) {
  assert.deepStrictEqual(actual, expected, message);
  const a = encodeChunk(Array.isArray(actual) ? actual : [actual]);
  const e = encodeChunk(Array.isArray(expected) ? expected : [expected]);
  assert.equal(a.kind, e.kind, message);
  assert.deepStrictEqual(bytesOf(a), bytesOf(e), message);
}

function bytesOf(chunk) {
  return chunk.kind === 'f64' ? new Uint8Array(chunk.f64.buffer, chunk.f64.byteOffset, chunk.f64.byteLength) : chunk.bytes;
}

function assertRoundTrips(items, message) {
  assertSame(roundTrip(items), items, message);
}

/** The TypeError of encoding items, checked against `message` (a string or RegExp). */
function assertRefused(items, message, where) {
  assert.throws(() => encodeChunk(items, where), (e) => {
    assert.ok(e instanceof TypeError, `a TypeError, not ${e}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------

describe('codec round trips', () => {
  test('numbers of every kind, in f64 chunks and in any chunks', () => {
    const numbers = [
      0, -0, 1, -1, 127, 128, -128, -129, 255, 256, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1,
      2 ** 32, 2 ** 53, -(2 ** 53), 0.5, 1 / 3, -1e-300, 1e300, Number.MAX_VALUE, Number.MIN_VALUE,
      Number.EPSILON, NaN, Infinity, -Infinity,
    ];
    assert.equal(encodeChunk(numbers).kind, 'f64');
    const back = roundTrip(numbers);
    for (let i = 0; i < numbers.length; i++) assert.ok(Object.is(back[i], numbers[i]), `${numbers[i]}`);
    const mixed = ['x', ...numbers];
    const backMixed = roundTrip(mixed);
    for (let i = 0; i < mixed.length; i++) assert.ok(Object.is(backMixed[i], mixed[i]), `${mixed[i]}`);
  });

  test('small integers take two bytes, int32 five, other numbers nine', () => {
    assert.equal(encodeChunk(['', 5]).bytes.length, 2 + 2);
    assert.equal(encodeChunk(['', 1000]).bytes.length, 2 + 5);
    assert.equal(encodeChunk(['', 0.5]).bytes.length, 2 + 9);
    assert.equal(encodeChunk(['', -0]).bytes.length, 2 + 9);
  });

  test('strings: empty, ASCII, every UTF-8 width, at every length threshold', () => {
    const strings = ['', 'a', 'hello', 'é', 'ü€', '日本語', '😀', 'a😀b', '\0', 'nul\0inside', '\u007f\u0080\u07ff\u0800\uffff'];
    for (const n of [16, 17, 42, 43, 64, 65, 256, 257, 1000, 100_000]) {
      strings.push('x'.repeat(n), 'é'.repeat(n), '€'.repeat(n), '😀'.repeat(n >> 1), `${'a'.repeat(n - 1)}é`);
    }
    assertRoundTrips(strings);
  });

  test('strings with lone surrogates come back exactly (they travel as UTF-16 units)', () => {
    const strings = [
      '\ud800', '\udc00', '\udbff', '\udfff', 'a\ud800', '\ud800b', '\udc00\ud800', 'x\ud83d',
      '\ud83dx\ude00', `${'é'.repeat(300)}\ud800`, `\udc00${'x'.repeat(100_000)}`, '😀\ud83d',
    ];
    const back = roundTrip(strings);
    for (let i = 0; i < strings.length; i++) assert.equal(back[i], strings[i]);
  });

  test('engines without String.prototype.isWellFormed find lone surrogates in long strings too', () => {
    const script = `
      delete String.prototype.isWellFormed;
      const { decodeChunk, encodeChunk } = await import(${JSON.stringify(new URL('../src/codec.mjs', import.meta.url).href)});
      const long = 'x'.repeat(300);
      const items = [long + '\\ud800', '\\udc00' + long, long + '\\ud83d\\ude00', long + '\\ude00\\ud83d', long];
      const back = decodeChunk(encodeChunk(items));
      if (back.some((s, i) => s !== items[i])) throw new Error('not kept');`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
  });

  test('a byte order mark at the start of a string is kept', () => {
    assertRoundTrips(['\ufeff', '\ufeffshort', `\ufeff${'long'.repeat(100)}`]);
  });

  test('booleans, null and undefined', () => {
    assertRoundTrips([true, false, null, undefined, [undefined, null], { u: undefined }]);
  });

  test('arrays: nested, empty, and holes arriving as undefined', () => {
    assertRoundTrips([[], [[]], [1, [2, [3, ['four']]]], ['a', 1, null, [true]]]);
    // eslint-disable-next-line no-sparse-arrays
    const holey = [1, , 3];
    const [back] = roundTrip([holey]);
    assert.deepStrictEqual(back, [1, undefined, 3]);
    assert.ok(1 in back, 'the hole is now an undefined element');
    const withExtra = Object.assign([1, 2], { extra: 'dropped' });
    assert.deepStrictEqual(roundTrip([withExtra])[0], [1, 2]);
  });

  test('plain objects keep their own enumerable string keys in order', () => {
    const o = { b: 1, a: 2, 10: 'ten', 2: 'two', 'odd key': 3, '': 4, é: 5, nested: { x: [1, { y: 2 }] } };
    const [back] = roundTrip([o]);
    assert.deepStrictEqual(back, o);
    assert.deepEqual(Object.keys(back), Object.keys(o));
  });

  test('an own __proto__ key stays a key and does not become the prototype', () => {
    const o = JSON.parse('{"a": 1, "__proto__": {"polluted": true}, "z": 2}');
    const [back] = roundTrip([o, o]);
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.deepEqual(Object.keys(back), ['a', '__proto__', 'z']);
    assert.deepStrictEqual(back.__proto__, { polluted: true }); // eslint-disable-line no-proto
    assert.equal({}.polluted, undefined);
  });

  test('prototypes are not kept: class instances and null-prototype objects arrive as plain objects', () => {
    class Point {
      constructor(x, y) {
        this.x = x;
        this.y = y;
      }

      get length() {
        return Math.hypot(this.x, this.y);
      }
    }
    const bare = Object.create(null);
    bare.k = 'v';
    const [p, b] = roundTrip([new Point(3, 4), bare]);
    assert.equal(Object.getPrototypeOf(p), Object.prototype);
    assert.deepStrictEqual(p, { x: 3, y: 4 });
    assert.equal(Object.getPrototypeOf(b), Object.prototype);
    assert.deepStrictEqual(b, { k: 'v' });
  });

  test('symbol keys and non-enumerable properties are skipped; getters are read', () => {
    const o = { visible: 1, [Symbol('s')]: 'skipped' };
    Object.defineProperty(o, 'hidden', { value: 2, enumerable: false });
    Object.defineProperty(o, 'computed', { get: () => 'got', enumerable: true });
    assert.deepStrictEqual(roundTrip([o])[0], { visible: 1, computed: 'got' });
  });

  test('an object referenced twice (not circularly) arrives as two equal copies', () => {
    const shared = { x: [1, 2] };
    const [back] = roundTrip([{ a: shared, b: shared, list: [shared, shared] }]);
    assert.deepStrictEqual(back.a, shared);
    assert.notEqual(back.a, back.b);
    assert.notEqual(back.list[0], back.list[1]);
  });

  test('typed arrays of every type keep their type and only the view\'s own bytes', () => {
    const buffer = new ArrayBuffer(64);
    new Uint8Array(buffer).forEach((_, i, a) => { a[i] = i * 7; });
    const views = [
      new Int8Array([-128, 0, 127]), new Uint8Array([0, 255]), new Uint8ClampedArray([0, 255]),
      new Int16Array([-32768, 32767]), new Uint16Array([65535]), new Int32Array([-(2 ** 31), 2 ** 31 - 1]),
      new Uint32Array([2 ** 32 - 1]), new Float32Array([0.5, -0, NaN, Infinity]),
      new Float64Array([1 / 3, -0, NaN]), new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]),
      new BigUint64Array([2n ** 64n - 1n]), new Uint8Array(0), new Float64Array(0),
      new Uint16Array(buffer, 6, 5), new Float64Array(buffer, 8, 3), new Uint8Array(buffer, 63, 1),
    ];
    const back = roundTrip(views);
    for (let i = 0; i < views.length; i++) {
      assert.equal(Object.getPrototypeOf(back[i]), Object.getPrototypeOf(views[i]));
      assert.equal(back[i].byteOffset, 0);
      assert.equal(back[i].buffer.byteLength, views[i].byteLength, 'a fresh buffer of the view\'s bytes');
      assert.deepEqual(new Uint8Array(back[i].buffer), new Uint8Array(views[i].buffer, views[i].byteOffset, views[i].byteLength));
    }
  });

  test('views on a SharedArrayBuffer, Node Buffers and detached buffers send copies of their bytes', () => {
    const sab = new SharedArrayBuffer(16);
    const shared = new Int32Array(sab, 4, 2);
    shared.set([7, -7]);
    const [s, b, d] = roundTrip([shared, Buffer.from('héllo'), detachedUint8Array()]);
    assert.ok(s.buffer instanceof ArrayBuffer);
    assert.deepStrictEqual(s, new Int32Array([7, -7]));
    assert.deepStrictEqual(b, new Uint8Array(Buffer.from('héllo')));
    assert.equal(Object.getPrototypeOf(b), Uint8Array.prototype, 'a Buffer arrives as a Uint8Array');
    assert.deepStrictEqual(d, new Uint8Array(0));
  });

  test('ArrayBuffer and DataView (the view\'s own bytes)', () => {
    const ab = new Uint8Array([1, 2, 3, 4, 5]).buffer;
    const [a, dv, empty] = roundTrip([ab, new DataView(ab, 1, 3), new ArrayBuffer(0)]);
    assert.ok(a instanceof ArrayBuffer);
    assert.deepEqual(new Uint8Array(a), new Uint8Array([1, 2, 3, 4, 5]));
    assert.ok(dv instanceof DataView);
    assert.equal(dv.byteOffset, 0);
    assert.deepEqual(new Uint8Array(dv.buffer), new Uint8Array([2, 3, 4]));
    assert.equal(empty.byteLength, 0);
  });

  test('BigInt of any size', () => {
    const big = [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 63n, -(2n ** 63n) - 1n, 2n ** 64n, 3n ** 200n, -(7n ** 300n)];
    assertRoundTrips(big);
    assert.deepStrictEqual(roundTrip(big), big);
  });

  test('Date, invalid Date and RegExp', () => {
    // (Not assertSame: deepStrictEqual finds two invalid Dates different, as NaN !== NaN.)
    const dates = [new Date(1_700_000_000_123), new Date(NaN), /a[b-c]+\//giu];
    const [d, bad, r] = decodeChunk(encodeChunk(dates));
    assert.equal(d.getTime(), 1_700_000_000_123);
    assert.ok(bad instanceof Date);
    assert.ok(Number.isNaN(bad.getTime()));
    assert.equal(r.source, 'a[b-c]+\\/');
    assert.equal(r.flags, 'giu');
    assertRoundTrips([new Date(-1), new Date(8.64e15), /x/y, /(?<name>\d)/s]);
  });

  test('Map and Set with any keys and values, in insertion order', () => {
    const m = new Map([[1, 'one'], ['1', { one: 1 }], [{ k: 1 }, [1]], [null, undefined], [NaN, -0]]);
    const s = new Set(['a', 1, { o: 1 }, [2], null]);
    const [bm, bs] = roundTrip([m, s]);
    assert.deepStrictEqual(bm, m);
    assert.deepEqual([...bm.keys()].map(String), [...m.keys()].map(String));
    assert.deepStrictEqual(bs, s);
    assertRoundTrips([new Map(), new Set(), new Map([['nested', new Map([[1, new Set([2])]])]])]);
  });

  test('errors keep their type, name, message, stack, cause and own properties', () => {
    const plain = new Error('plain');
    const typed = new TypeError('typed', { cause: { why: 'because' } });
    const fs = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT', errno: -2 });
    class ValidationError extends Error {
      constructor(message) {
        super(message);
        this.name = 'ValidationError';
      }
    }
    const custom = new ValidationError('bad input');
    const back = roundTrip([plain, typed, fs, custom, new RangeError(), new AggregateError([], 'many')]);
    for (const [b, e] of back.map((b, i) => [b, [plain, typed, fs, custom][i]]).slice(0, 4)) {
      assert.equal(b.name, e.name);
      assert.equal(b.message, e.message);
      assert.equal(b.stack, e.stack);
    }
    assert.equal(Object.getPrototypeOf(back[1]), TypeError.prototype);
    assert.deepStrictEqual(back[1].cause, { why: 'because' });
    assert.equal(back[2].code, 'ENOENT');
    assert.equal(back[2].errno, -2);
    assert.equal(Object.getPrototypeOf(back[3]), Error.prototype, 'unknown error classes arrive as Error');
    assert.equal(back[3].name, 'ValidationError');
    assert.ok(!Object.keys(back[3]).includes('name'));
    assert.equal(Object.getPrototypeOf(back[4]), RangeError.prototype);
    assert.equal(back[5].name, 'AggregateError');
    assert.equal(back[5].message, 'many');
  });

  test(`nesting up to ${MAX_DEPTH} containers deep round-trips`, () => {
    let deep = 'bottom';
    for (let i = 0; i < MAX_DEPTH; i++) deep = i % 2 ? [deep] : { d: deep };
    assertRoundTrips([deep]);
  });

  test(`${MAX_DEPTH} levels of every container fit in a third of V8's default stack, before the codec is optimised`, () => {
    // A fresh process (nothing optimised yet) with 320 KiB of stack (the default is 984 KiB).
    const script = `
      import { MAX_DEPTH, decodeChunk, encodeChunk } from ${JSON.stringify(new URL('../src/codec.mjs', import.meta.url).href)};
      const wraps = [[1, (v) => [v]], [1, (v) => ({ d: v })], [1, (v) => new Map([[1, v]])], [1, (v) => new Set([v])],
        [1, (v) => new Error('e', { cause: v })], [3, (v) => ({ e: new Error('e', { cause: { d: v } }) })]];
      for (const [levels, wrap] of wraps) {
        let v = 'bottom';
        for (let depth = levels; depth <= MAX_DEPTH; depth += levels) v = wrap(v);
        decodeChunk(encodeChunk([v]));
      }`;
    const run = spawnSync(process.execPath, ['--stack-size=320', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
  });

  test('a chunk of mixed items (shapes reused, alternated, nested and past the shape limits)', () => {
    const items = [];
    for (let i = 0; i < 300; i++) {
      items.push({ id: i, name: `item${i}`, tags: ['a', 'b'], score: i / 3 });
      items.push({ user: { id: i, name: 'n' }, at: new Date(i), meta: i % 2 ? { id: i, name: 'm' } : { other: true } });
      items.push(i % 7 === 0 ? 'string' : i % 5 === 0 ? null : [i, { id: i }]);
    }
    const wide = {};
    for (let k = 0; k < 100; k++) wide[`key${k}`] = k;
    items.push(wide, wide, { ...wide, extra: 1 });
    for (let i = 0; i < 5000; i++) items.push({ [`unique${i}`]: i }); // more shapes than a chunk keeps
    items.push({ unique1: 'again' }, { unique4999: 'again' });
    assertRoundTrips(items);
  });

  test('many objects of one key list, odd keys included, decode alike (by a compiled builder)', () => {
    const keys = ['plain', 'a"quote', 'back\\slash', 'line\u2028sep', '\ud800', '', '12', 'constructor', 'toString', '${x}', '`'];
    const items = [];
    for (let i = 0; i < 100; i++) items.push(Object.fromEntries(keys.map((k, j) => [k, i * j])));
    const back = roundTrip(items);
    assertSame(back, items);
    for (const o of back) {
      assert.equal(Object.getPrototypeOf(o), Object.prototype);
      assert.deepEqual(Object.keys(o), Object.keys(items[0]));
    }
    const withProto = Array.from({ length: 40 }, (_, i) => JSON.parse(`{"__proto__": {"i": ${i}}, "k": ${i}}`));
    const protoBack = roundTrip(withProto);
    assertSame(protoBack, withProto);
    assert.ok(protoBack.every((o) => Object.getPrototypeOf(o) === Object.prototype));
  });

  test('a key list numbered by an earlier chunk is defined again in the next one', () => {
    encodeChunk([{ a: 1 }, { b: { a: 2 } }]);
    const second = encodeChunk([{ b: { a: 3 } }, { a: 4 }]);
    assert.deepStrictEqual(decodeChunk(second), [{ b: { a: 3 } }, { a: 4 }]);
  });

  test('empty chunks', () => {
    const chunk = encodeChunk([]);
    assert.equal(chunk.kind, 'f64');
    assert.equal(chunk.length, 0);
    assert.equal(chunk.f64.length, 0);
    assert.deepStrictEqual(decodeChunk(chunk), []);
    assert.deepStrictEqual(decodeChunk({ kind: 'any', bytes: new Uint8Array(0), length: 0 }), []);
    assert.equal(encodeInto([], new Uint8Array(0), 0), 0);
    assert.deepStrictEqual(decodeFrom(new Uint8Array(4), 4, 0), []);
    assertRoundTrips([]);
  });
});

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

describe('codec refusals', () => {
  test('functions and symbols, named by item and path', () => {
    assertRefused([1, 2, () => 1], 'item 2 is a function: functions cannot be sent');
    assertRefused([Symbol('s')], 'item 0 is a symbol: symbols cannot be sent');
    const items = new Array(17).fill({ ok: true });
    items.push({ user: { name: 'n', callback() {} } });
    assertRefused(items, 'stage "square" returned, item 17: .user.callback is a function: functions cannot be sent',
      (i) => `stage "square" returned, item ${i}`);
    assertRefused([{ list: [0, 1, { 'odd key': [Symbol.iterator] }] }],
      'item 0: .list[2]["odd key"][0] is a symbol: symbols cannot be sent');
    assertRefused([class Foo {}], 'item 0 is a function: functions cannot be sent');
  });

  test('the paths through Maps, Sets and errors', () => {
    assertRefused([{ m: new Map([['key', () => 1]]) }], 'item 0: .m.get("key") is a function: functions cannot be sent');
    assertRefused([{ m: new Map([[1, 'one'], [() => 1, 2]]) }], 'item 0: .m.keys()[1] is a function: functions cannot be sent');
    assertRefused([new Map([[{}, [Symbol('s')]]])], 'item 0: .values()[0][0] is a symbol: symbols cannot be sent');
    assertRefused([new Set([1, 2, () => 3])], 'item 0: .values()[2] is a function: functions cannot be sent');
    assertRefused([new Error('e', { cause: () => 1 })], 'item 0: .cause is a function: functions cannot be sent');
    assertRefused([Object.assign(new Error('e'), { retry: () => 1 })], 'item 0: .retry is a function: functions cannot be sent');
  });

  test('objects the codec does not carry', () => {
    assertRefused([Promise.resolve(1)], 'item 0 is a Promise: await it and send its value');
    assertRefused([{ p: (async () => 1)() }], 'item 0: .p is a Promise: await it and send its value');
    for (const weak of [new WeakMap(), new WeakSet(), new WeakRef({}), new FinalizationRegistry(() => {})]) {
      assertRefused([weak], /^item 0 is a (WeakMap|WeakSet|WeakRef|FinalizationRegistry): weak references cannot be sent$/);
    }
    assertRefused([new SharedArrayBuffer(4)], /^item 0 is a SharedArrayBuffer: shared memory cannot be sent/);
    for (const [boxed, type] of [[new Number(1), 'Number'], [new String('s'), 'String'], [new Boolean(true), 'Boolean'], [Object(1n), 'BigInt'], [Object(Symbol('s')), 'Symbol']]) { // eslint-disable-line no-new-wrappers
      assertRefused([boxed], `item 0 is a ${type} object (a wrapped primitive): send the primitive value`);
    }
    assertRefused([(function* gen() {})()], 'item 0 is a Generator: spread it into an array first');
    assertRefused([[1, 2].values()], 'item 0 is an iterator (Array Iterator): spread it into an array first');
    assertRefused([new Map().entries()], 'item 0 is an iterator (Map Iterator): spread it into an array first');
    assertRefused([new URL('https://example.com/')], /^item 0 is a URL object: only plain data can be sent \(numbers, strings/);
    class Tagged {
      get [Symbol.toStringTag]() { return 'Tagged'; }
    }
    assertRefused([{ t: new Tagged() }], /^item 0: \.t is a Tagged object: only plain data can be sent/);
    class FakeDate {
      get [Symbol.toStringTag]() { return 'Date'; }
    }
    assertRefused([new FakeDate()], 'item 0 claims to be a Date (through Symbol.toStringTag) but is not one');
  });

  test('circular structures, with the path of the cycle', () => {
    const a = { b: {} };
    a.b.c = a.b;
    assertRefused([{ a }], 'item 0: .a.b.c refers back to .a.b: circular structures cannot be sent');
    const self = { name: 'me' };
    self.self = self;
    assertRefused([1, 2, 3, self], 'item 3: .self refers back to the item itself: circular structures cannot be sent');
    const list = [1];
    list.push([list]);
    assertRefused([list], 'item 0: [1][0] refers back to the item itself: circular structures cannot be sent');
    const m = new Map();
    m.set('me', { m });
    assertRefused([m], 'item 0: .get("me").m refers back to the item itself: circular structures cannot be sent');
    const e = new Error('loop');
    e.cause = { e };
    assertRefused([e], 'item 0: .cause.e refers back to the item itself: circular structures cannot be sent');
  });

  test('a cycle deep in a structure (beyond the ancestors compared one by one)', () => {
    const root = { level: 0 };
    let at = root;
    for (let i = 1; i < 40; i++) at = at.next = { level: i };
    at.loop = root.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next; // level 20
    assertRefused([root], /^item 0: (\.next){10}…\(20 more\)…(\.next){9}\.loop refers back to (\.next){20}: circular/);
    at.loop = root.next.next; // level 2: an ancestor among the shallow ones
    assertRefused([root], /^item 0: .* refers back to \.next\.next: circular/);
  });

  test('nesting deeper than the limit is refused, not a stack overflow (10,000 deep)', () => {
    let deep = [];
    for (let i = 0; i < 10_000; i++) deep = [deep];
    assertRefused([deep], `item 0: [0][0][0][0][0][0][0][0][0][0]…(${MAX_DEPTH - 20} more)…[0][0][0][0][0][0][0][0][0][0] is nested more than ${MAX_DEPTH} levels deep: the codec refuses deeper structures`);
    let limit = 'x';
    for (let i = 0; i < MAX_DEPTH + 1; i++) limit = { d: limit };
    assertRefused([limit], new RegExp(`is nested more than ${MAX_DEPTH} levels deep`));
  });

  test('a refusal carries the item index and path; a throwing where() falls back to "item N"', () => {
    try {
      encodeChunk([0, { x: [() => 1] }], () => { throw new Error('where is broken'); });
      assert.fail('refused');
    } catch (e) {
      assert.equal(e.message, 'item 1: .x[0] is a function: functions cannot be sent');
      assert.equal(e.itemIndex, 1);
      assert.equal(e.path, '.x[0]');
    }
  });

  test('every encode function refuses alike, and the codec stays usable after a refusal', () => {
    const bad = [{ ok: 1 }, { f() {} }];
    assert.throws(() => encodeChunkScratch(bad), /item 1: \.f is a function/);
    assert.throws(() => encodeInto(bad, new Uint8Array(100)), /item 1: \.f is a function/);
    assertRoundTrips([{ ok: 1 }, { f: 'fine' }]);
  });

  test('arguments that are not items or chunks', () => {
    assert.throws(() => encodeChunk('abc'), /takes an array of items, not string/);
    assert.throws(() => encodeChunk(null), /not null/);
    assert.throws(() => decodeChunk({ kind: 1, bytes: new Uint8Array(0), length: 0 }), /not a chunk \(kind 1; expected 'f64' or 'any'\)/);
    assert.throws(() => decodeChunk({ kind: 'f64', f64: new Float64Array(2), length: 3 }), /length must be a count/);
    assert.throws(() => decodeChunk({ kind: 'any', bytes: [1, 2], length: 1 }), /Uint8Array/);
    assert.throws(() => decodeFrom(new Uint8Array(4), 2, 1, 5), RangeError);
    assert.throws(() => encodeInto([1], new Uint8Array(4), 9), RangeError);
  });
});

describe('codec on bytes that are not a chunk', () => {
  const isCodecError = (e) => e instanceof CodecError && /^weir codec: not a valid chunk \(byte \d+\): /.test(e.message);

  test('truncated chunks, extra bytes, unknown tags and undefined shapes', () => {
    const { bytes } = encodeChunk([{ id: 1, name: 'item' }, { id: 2, name: 'other' }, 'tail']);
    for (let cut = 0; cut < bytes.length; cut++) {
      assert.throws(() => decodeChunk({ kind: 'any', bytes: bytes.subarray(0, cut), length: 3 }), isCodecError, `cut at ${cut}`);
    }
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    assert.throws(() => decodeChunk({ kind: 'any', bytes: longer, length: 3 }), /1 bytes are left after the last item/);
    assert.throws(() => decodeChunk({ kind: 'any', bytes: new Uint8Array([0xff]), length: 1 }), /unknown tag 255/);
    assert.throws(() => decodeChunk({ kind: 'any', bytes: new Uint8Array([0x0b, 3]), length: 1 }), /shape not defined before/);
    assert.throws(() => decodeChunk({ kind: 'any', bytes: new Uint8Array([0x09, 0xff, 0xff, 0xff, 0x7f]), length: 1 }), /an array of \d+ cannot fit/);
    assert.throws(() => decodeChunk({ kind: 'any', bytes: new Uint8Array(2), length: 3 }), /3 items cannot fit in 2 bytes/);
  });

  test('deeply nested bytes are rejected, not a stack overflow', () => {
    const bytes = new Uint8Array(2 * 10_000 + 1);
    for (let i = 0; i < 10_000; i++) bytes.set([0x09, 1], 2 * i); // [[[[...]]]]
    assert.throws(() => decodeChunk({ kind: 'any', bytes, length: 1 }), new RegExp(`nested more than ${MAX_DEPTH} deep`));
  });

  test('random corruptions decode to something or throw a CodecError, never anything else', () => {
    const random = prng(7);
    const { bytes } = encodeChunk(Array.from({ length: 40 }, () => randomValue(random, 0)));
    for (let round = 0; round < 2000; round++) {
      const mutated = bytes.slice(0, bytes.length - Math.floor(random() * 3));
      for (let k = 1 + Math.floor(random() * 4); k > 0; k--) mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
      try {
        decodeChunk({ kind: 'any', bytes: mutated, length: 40 });
      } catch (e) {
        assert.ok(isCodecError(e), `round ${round}: ${e?.stack ?? e}`);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Property test: random values of every supported type, seeded so every run is the same.

/** mulberry32: a small seeded PRNG giving floats in [0, 1). */
function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPECIAL_NUMBERS = [0, -0, NaN, Infinity, -Infinity, 127, 128, -128, -129, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 53, Number.MAX_VALUE, Number.MIN_VALUE];
const KEYS = ['id', 'name', 'tags', 'score', 'a', 'b', '0', '17', '', 'é', '__proto__', 'odd key', '\ud800'];
const TYPED = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array];
const ERRORS = [Error, TypeError, RangeError, SyntaxError, EvalError, ReferenceError, URIError];

function randomString(random) {
  const lengths = [0, 1, 3, 8, 16, 17, 42, 43, 64, 65, 120, 256, 257, 600];
  const n = lengths[Math.floor(random() * lengths.length)];
  const mix = random();
  let s = '';
  for (let i = 0; i < n; i++) {
    const r = random();
    if (mix < 0.5 || r < 0.6) s += String.fromCharCode(32 + Math.floor(random() * 95));
    else if (r < 0.75) s += String.fromCharCode(0x80 + Math.floor(random() * 0x780));
    else if (r < 0.9) s += String.fromCharCode(0x800 + Math.floor(random() * 0xd000));
    else if (r < 0.98) s += String.fromCodePoint(0x10000 + Math.floor(random() * 0xfffff));
    else s += String.fromCharCode(0xd800 + Math.floor(random() * 0x800)); // a lone surrogate, mostly
  }
  return s;
}

function randomNumber(random) {
  const r = random();
  if (r < 0.25) return SPECIAL_NUMBERS[Math.floor(random() * SPECIAL_NUMBERS.length)];
  if (r < 0.5) return Math.floor(random() * 256) - 128;
  if (r < 0.75) return Math.floor((random() - 0.5) * 2 ** 33);
  return (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20);
}

function randomBytes(random, n) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(random() * 256);
  return b;
}

function randomValue(random, depth) {
  const leaf = depth >= 4 || random() < 0.4;
  const kind = Math.floor(random() * (leaf ? 12 : 19));
  const n = () => Math.floor(random() * 5);
  switch (kind) {
    case 0: case 1: return randomNumber(random);
    case 2: case 3: return randomString(random);
    case 4: return random() < 0.5;
    case 5: return random() < 0.5 ? null : undefined;
    case 6: {
      const big = BigInt(Math.floor(random() * 2 ** 50)) ** BigInt(1 + Math.floor(random() * 4));
      return random() < 0.5 ? -big : big;
    }
    case 7: return new Date(Math.floor((random() - 0.5) * 1e13)); // (invalid dates: tested above)
    case 8: {
      const T = TYPED[Math.floor(random() * TYPED.length)];
      const offset = Math.floor(random() * 3) * T.BYTES_PER_ELEMENT;
      const count = Math.floor(random() * 6);
      const buffer = randomBytes(random, offset + count * T.BYTES_PER_ELEMENT + 8).buffer;
      // A view with its own buffer, as it arrives (views at an offset are tested above).
      return new T(buffer, offset, count).slice();
    }
    case 9: return random() < 0.5 ? randomBytes(random, n()).buffer : new DataView(randomBytes(random, n()).buffer);
    case 10: return new RegExp(['a+', '[x-z]\\d', '^$', '(?:é)'][n() % 4], ['', 'g', 'iu', 'sy'][n() % 4]);
    case 11: return '';
    case 12: case 13: return Array.from({ length: n() }, () => randomValue(random, depth + 1));
    case 14: case 15: { // objects, often of a common shape
      if (random() < 0.5) return { id: randomNumber(random), name: randomString(random), tags: [randomString(random)], score: randomNumber(random) };
      const o = {};
      for (let k = n(); k > 0; k--) {
        const key = KEYS[Math.floor(random() * KEYS.length)];
        Object.defineProperty(o, key, { value: randomValue(random, depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return o;
    }
    case 16: return new Map(Array.from({ length: n() }, () => [randomValue(random, depth + 1), randomValue(random, depth + 1)]));
    case 17: return new Set(Array.from({ length: n() }, () => randomValue(random, depth + 1)));
    default: {
      const E = ERRORS[n() % ERRORS.length];
      const e = random() < 0.5 ? new E(randomString(random)) : new E(randomString(random), { cause: randomValue(random, depth + 1) });
      if (random() < 0.3) e.code = randomString(random);
      return e;
    }
  }
}

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

function detachedUint8Array() {
  const buffer = new ArrayBuffer(8);
  const view = new Uint8Array(buffer);
  structuredClone(buffer, { transfer: [buffer] });
  return view;
}

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

// The item codec (src/codec.mjs): round trips of every supported value and edge case, through
// every way in and out (codec_assert.mjs): numbers, strings at every length threshold, objects,
// typed arrays, BigInt, Date, RegExp, Map, Set, errors, nesting up to the limit, shapes reused.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { MAX_DEPTH, decodeChunk, decodeFrom, encodeChunk, encodeInto } from '../src/codec.mjs';
import { assertRoundTrips, assertSame, roundTrip } from './codec_assert.mjs';

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

function detachedUint8Array() {
  const buffer = new ArrayBuffer(8);
  const view = new Uint8Array(buffer);
  structuredClone(buffer, { transfer: [buffer] });
  return view;
}

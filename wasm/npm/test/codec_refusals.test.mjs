// What the item codec (src/codec.mjs) refuses, and how: every kind of value it cannot carry,
// named by item and path in a TypeError, cycles and nesting past the limit (not a stack
// overflow), arguments that are not items; and bytes that are not a chunk (truncated, extra,
// unknown tags, random corruptions), which throw a CodecError and nothing else.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CodecError, MAX_DEPTH, decodeChunk, decodeFrom, encodeChunk, encodeChunkScratch, encodeInto,
} from '../src/codec.mjs';
import { assertRefused, assertRoundTrips } from './codec_assert.mjs';
import { prng, randomValue } from './codec_random.mjs';

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

// Random values of every type the codec carries, from a seeded generator (mulberry32), so that
// every run draws the same values: the property test (codec_property.test.mjs) round-trips
// them, and the corruption test (codec_refusals.test.mjs) encodes them before mangling the
// bytes. Numbers, strings and keys are drawn from lists of the edge cases (lengths at the
// codec's thresholds, -0, NaN, lone surrogates, '__proto__') more often than chance would.

/** mulberry32: a small seeded PRNG giving floats in [0, 1). */
export function prng(seed) {
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

export function randomValue(random, depth) {
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


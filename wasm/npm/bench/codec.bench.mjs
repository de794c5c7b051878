// Benchmark of the item codec (src/codec.mjs): ns per item to encode and decode a chunk, against
// JSON.stringify + JSON.parse and v8.serialize + v8.deserialize (Node's structured clone) of the
// same data, in the same run.
//
//   node wasm/npm/bench/codec.bench.mjs            # all data sets
//   node wasm/npm/bench/codec.bench.mjs objects    # those whose name contains "objects"
//   CODEC_BENCH_RUNS=31 node ...                   # more runs per figure (default 15)
//
// Each figure is the fastest of its runs (the machine is shared and noisy: the fastest run is
// the one least disturbed), with the median beside it. Every method round-trips the whole data
// set as one chunk; the "1024" rows split it the way the runtime does (slicing the data is not
// timed). A round trip is checked once (the decoded data equals the input) before it is
// timed. Large one-chunk results (a million-element array) are dominated by the allocation of
// fresh memory, which costs every method alike and is far dearer on some virtual machines.
// A last table gives the steady state of one chunk of 1000 items, encoded and decoded again
// and again (the codec's own cost, without the collector's work for 100,000 live values).
import assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { decodeChunk, encodeChunk, encodeChunkScratch } from '../src/codec.mjs';

// A full collection before each timed step, so no step pays for the garbage of the one before.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const RUNS = Number(process.env.CODEC_BENCH_RUNS ?? 15);
// The steady-state table runs in a process of its own (--steady): after the large data sets,
// V8 allocates the arrays of decodeChunk and JSON.parse straight into the old generation
// (pretenuring, as those survived), which would make every later small decode pay for it.
const STEADY_ONLY = process.argv[2] === '--steady';
const filter = (STEADY_ONLY ? process.argv[3] : process.argv[2]) ?? '';

const sets = [
  { name: 'numbers', make: (i) => (i % 3 === 0 ? i : i / 7), n: 1_000_000 },
  {
    name: 'small objects',
    make: (i) => ({ id: i, name: `item${i}`, tags: ['a', 'b'], score: i / 3 }),
    n: 100_000,
  },
  { name: 'short strings', make: (i) => `item-${i}`, n: 100_000 },
];

const CHUNK = 1024;
const wasmMemory = new SharedArrayBuffer(64 << 20);

const methods = [
  {
    name: 'codec',
    encode: (xs) => encodeChunk(xs),
    decode: (c) => decodeChunk(c),
  },
  {
    name: `codec, chunks of ${CHUNK}`,
    prepare: (xs) => Array.from({ length: Math.ceil(xs.length / CHUNK) }, (_, i) => xs.slice(i * CHUNK, (i + 1) * CHUNK)),
    encode: (chunks) => chunks.map((xs) => encodeChunk(xs)),
    decode: (cs) => cs.map(decodeChunk),
    flat: (arrays) => arrays.flat(),
  },
  {
    // The runtime's way through wasm memory in the threads build: each chunk encoded into the
    // scratch buffer, copied once into a SharedArrayBuffer (standing for the wasm memory) and
    // decoded from there.
    name: `codec, ${CHUNK}s, shared mem`,
    prepare: (xs) => Array.from({ length: Math.ceil(xs.length / CHUNK) }, (_, i) => xs.slice(i * CHUNK, (i + 1) * CHUNK)),
    encode: (chunks) => {
      let at = 0;
      return chunks.map((xs) => {
        const c = encodeChunkScratch(xs);
        const src = c.kind === 'f64' ? new Uint8Array(c.f64.buffer, 0, 8 * c.length) : c.bytes;
        const bytes = new Uint8Array(wasmMemory, at, src.length);
        bytes.set(src);
        at += (src.length + 7) & ~7;
        return c.kind === 'f64'
          ? { kind: 'f64', f64: new Float64Array(wasmMemory, bytes.byteOffset, c.length), length: c.length }
          : { kind: 'any', bytes, length: c.length };
      });
    },
    decode: (cs) => cs.map(decodeChunk),
    flat: (arrays) => arrays.flat(),
  },
  { name: 'JSON', encode: (xs) => JSON.stringify(xs), decode: (s) => JSON.parse(s) },
  { name: 'v8.serialize', encode: (xs) => v8.serialize(xs), decode: (b) => v8.deserialize(b) },
];

// CPU time of the process (all its threads, so the garbage collector's helpers count), in ns:
// on a shared machine it is steadier than wall time, which also counts the time others ran.
// CODEC_BENCH_CLOCK=wall measures wall time instead.
const WALL = process.env.CODEC_BENCH_CLOCK === 'wall';
function now() {
  if (WALL) return Number(process.hrtime.bigint());
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

function time(fn) {
  const t0 = now();
  const r = fn();
  return [now() - t0, r];
}

function stats(samples, n) {
  const s = [...samples].sort((a, b) => a - b);
  return { best: s[0] / n, median: s[s.length >> 1] / n };
}

const fmt = (x) => x.toFixed(1).padStart(8);

if (!STEADY_ONLY) {
  console.log(`codec benchmark: ns per item (${WALL ? 'wall' : 'CPU'} time), fastest of ${RUNS} runs (median in parentheses); node ${process.version}`);
  largeSets();
  spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--steady', filter], { stdio: 'inherit' });
} else {
  steadyState();
}

function largeSets() {
  for (const set of sets) {
    if (!set.name.includes(filter)) continue;
    const data = Array.from({ length: set.n }, (_, i) => set.make(i));
    console.log(`\n${set.name} (${set.n} items)`);
    console.log(`${'method'.padEnd(26)}${'encode'.padStart(8)}${'decode'.padStart(18)}${'round trip'.padStart(22)}`);
    for (const m of methods) {
      // JSON has no -0 and no NaN in these sets, so every method must give the data back.
      const input = m.prepare ? m.prepare(data) : data;
      const back = m.decode(m.encode(input));
      assert.deepStrictEqual(m.flat ? m.flat(back) : back, data, `${m.name} round trip of ${set.name}`);
      const enc = [];
      const dec = [];
      const both = [];
      for (let r = 0; r < RUNS; r++) {
        gc();
        const [te, encoded] = time(() => m.encode(input));
        gc();
        const [td] = time(() => m.decode(encoded));
        enc.push(te);
        dec.push(td);
        both.push(te + td);
      }
      const e = stats(enc, set.n);
      const d = stats(dec, set.n);
      const b = stats(both, set.n);
      console.log(`${m.name.padEnd(26)}${fmt(e.best)} (${fmt(e.median)})${fmt(d.best)} (${fmt(d.median)})${fmt(b.best)} (${fmt(b.median)})`);
    }
  }
}

// Steady state: one chunk of 1000 items encoded (into the scratch buffer) and decoded over and
// over, the results dropped at once: the codec's own cost per item, without the collector's
// work of keeping 100,000 decoded values alive that the figures above include.
function steadyState() {
  const STEADY = 1000;
  const REPEAT = 200;
  const steady = [
    { name: 'codec', encode: (xs) => encodeChunkScratch(xs), decode: (c) => decodeChunk(c), keep: (c) => (c.kind === 'f64' ? { ...c, f64: c.f64.slice() } : { ...c, bytes: c.bytes.slice() }) },
    { name: 'JSON', encode: (xs) => JSON.stringify(xs), decode: (s) => JSON.parse(s), keep: (s) => s },
    { name: 'v8.serialize', encode: (xs) => v8.serialize(xs), decode: (b) => v8.deserialize(b), keep: (b) => b },
  ];
  console.log(`\nsteady state: a chunk of ${STEADY} items ${REPEAT} times, fastest of ${RUNS} runs, ns per item`);
  console.log(`${'data'.padEnd(16)}${steady.map((m) => `${m.name} (enc + dec)`.padStart(28)).join('')}`);
  for (const set of sets) {
    if (!set.name.includes(filter)) continue;
    const data = Array.from({ length: STEADY }, (_, i) => set.make(i));
    const cells = steady.map((m) => {
      const encoded = m.keep(m.encode(data));
      for (let w = 0; w < REPEAT; w++) m.decode(m.encode(data)); // warm up
      let enc = Infinity;
      let dec = Infinity;
      for (let r = 0; r < RUNS; r++) {
        const [te] = time(() => { for (let k = 0; k < REPEAT; k++) m.encode(data); });
        const [td] = time(() => { for (let k = 0; k < REPEAT; k++) m.decode(encoded); });
        enc = Math.min(enc, te / (REPEAT * STEADY));
        dec = Math.min(dec, td / (REPEAT * STEADY));
      }
      return `${enc.toFixed(1)} + ${dec.toFixed(1)} = ${(enc + dec).toFixed(1)}`.padStart(28);
    });
    console.log(`${set.name.padEnd(16)}${cells.join('')}`);
  }
}

// How close the npm cpu benchmark can get: the time of its calls alone. One worker each, in ONE
// process, runs taken in turn: weir-threads (`map(work, { context }).buffered(100)` on a runtime
// of one worker), workerpool (one worker, batches of 100, every batch in flight) and the plain
// loop of the runner's `workBatch` on this thread. With two workers the best any system can do
// is half of the loop's time for twice the items; what a system needs beyond that is its own
// cost (hops, wakes, a worker left idle) and the cores it takes from the workers.
//
//   node --expose-gc bench/npm/cpu_bound.mjs [rounds=8] [peers dir=build/npm-peers]
//
// Prints the median of each (the first two rounds are warm-up and left out) and every round.
// The peers' directory must have had `npm ci` (scripts/bench.sh does it in its npm section).
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const rounds = Number(process.argv[2] ?? 8);
const peers = path.resolve(process.argv[3] ?? 'build/npm-peers');
const { work, workBatch } = await import(pathToFileURL(path.join(peers, 'work.mjs')).href);
const { default: workerpool } = await import(
  pathToFileURL(path.join(peers, 'node_modules/workerpool/src/index.js')).href
);
const { createRuntime } = await import(new URL('../../wasm/npm/src/index.mjs', import.meta.url).href);

const ITERS = 104000; // the runner's ITERS
const N = 4000; // items per run (on two workers, each of the runner's 10,000 has 5,000)
const BATCH = 100;
const xs = Array.from({ length: N }, (_, i) => i);

const rt = await createRuntime({ backend: 'threads', workers: 1 });
const pool = workerpool.pool({ maxWorkers: 1, minWorkers: 1, workerType: 'thread' });

const systems = {
  weir: () => rt.iter(xs).map(work, { context: ITERS }).buffered(100).collect(),
  workerpool: async () => {
    const batches = [];
    for (let b = 0; b < N / BATCH; b++) {
      batches.push(pool.exec(workBatch, [xs.slice(b * BATCH, (b + 1) * BATCH), ITERS]));
    }
    return (await Promise.all(batches)).flat();
  },
  loop: () => workBatch(xs, ITERS),
};

const times = Object.fromEntries(Object.keys(systems).map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  const order = r % 2 ? ['weir', 'workerpool', 'loop'] : ['workerpool', 'weir', 'loop'];
  for (const k of order) {
    globalThis.gc?.();
    const t0 = performance.now();
    const out = await systems[k]();
    times[k].push(performance.now() - t0);
    if (out.length !== N) throw new Error(`${k}: ${out.length} results, expected ${N}`);
  }
}
const median = (a) => {
  const s = a.slice(2).sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
};
for (const [k, t] of Object.entries(times)) {
  const m = median(t);
  console.log(`${k.padEnd(10)} ${m.toFixed(1)} ms (${((m * 1000) / N).toFixed(1)} µs a call)  rounds: ${t.map((x) => x.toFixed(0)).join(' ')}`);
}
await rt.close();
await pool.terminate();

// The cpu benchmark of ../shared/peers/npm (10,000 items of ~175 µs, 2 workers) as weir-threads
// against workerpool-src-batch100, in ONE process, alternating runs: weir, workerpool, workerpool,
// weir, ... The peers' runner gives each system a process of its own, one after the other, and
// on this shared host the machine's speed drifts between processes by more than the 1-2% that
// separates the two; runs taken in turn inside one process see the same drift, so their ratio
// can be read where the runner's cannot. Same work, input and windows as the runner's systems
// (bench/npm/systems.mjs for weir; the runner's own code for workerpool: batches of 100, four in
// flight, released in any order).
//
//   node --expose-gc bench/npm/cpu_pairs.mjs [pairs=12] [peers dir=build/npm-peers]
//
// Prints each pair, then the medians, the median of the per-pair ratios weir/workerpool and in
// how many pairs weir was faster. The peers' directory must have had `npm ci` (scripts/bench.sh
// does it when it runs its npm section).
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const pairs = Number(process.argv[2] ?? 12);
const peers = path.resolve(process.argv[3] ?? 'build/npm-peers');
const { work, workBatch } = await import(pathToFileURL(path.join(peers, 'work.mjs')).href);
const { default: workerpool } = await import(
  pathToFileURL(path.join(peers, 'node_modules/workerpool/src/index.js')).href
);
const { createRuntime } = await import(new URL('../../wasm/npm/src/index.mjs', import.meta.url).href);

const ITERS = 104000; // the runner's ITERS (~175 µs a call here)
const N = 10000;
const BATCH = 100;
const xs = Array.from({ length: N }, (_, i) => i);

const rt = await createRuntime({ backend: 'threads', workers: 2 });
const pool = workerpool.pool({ maxWorkers: 2, minWorkers: 2, workerType: 'thread' });

/** The runner's `windowed`: up to `window` tasks in flight, each result handled as it comes. */
function windowed(tasks, window, submit, onResult) {
  return new Promise((resolve, reject) => {
    let next = 0;
    let inflight = 0;
    let done = 0;
    const pump = () => {
      while (inflight < window && next < tasks) {
        const t = next++;
        inflight++;
        submit(t).then((r) => {
          inflight--;
          done++;
          onResult(t, r);
          if (done === tasks) resolve();
          else pump();
        }, reject);
      }
    };
    pump();
  });
}

const systems = {
  weir: () => rt.iter(xs).map(work, { context: ITERS }).buffered(100).collect(),
  workerpool: async () => {
    const res = new Array(N);
    await windowed(N / BATCH, 4, (b) => pool.exec(workBatch, [xs.slice(b * BATCH, (b + 1) * BATCH), ITERS]),
      (b, r) => {
        for (let k = 0; k < r.length; k++) res[b * BATCH + k] = r[k];
      });
    return res;
  },
};

async function timed(name) {
  globalThis.gc?.();
  await new Promise((r) => setTimeout(r, 50));
  const t0 = performance.now();
  const out = await systems[name]();
  const ms = performance.now() - t0;
  if (out.length !== N) throw new Error(`${name} returned ${out.length} items`);
  return ms;
}

const times = { weir: [], workerpool: [] };
await timed('weir'); // warm-up of each, untimed
await timed('workerpool');
for (let p = 0; p < pairs; p++) {
  const order = p % 2 ? ['weir', 'workerpool'] : ['workerpool', 'weir'];
  for (const name of order) times[name].push(await timed(name));
  console.log(`pair ${p + 1}: weir ${times.weir[p].toFixed(1)} ms, workerpool ${times.workerpool[p].toFixed(1)} ms`);
}
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ratios = times.weir.map((w, i) => w / times.workerpool[i]);
console.log(`medians: weir ${median(times.weir).toFixed(1)} ms, workerpool ${median(times.workerpool).toFixed(1)} ms; ` +
  `median ratio weir/workerpool ${median(ratios).toFixed(3)}; weir faster in ${ratios.filter((r) => r < 1).length} of ${pairs}`);
await rt.close();
await pool.terminate();

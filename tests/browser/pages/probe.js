// Loads the probe module (tests/wasm/probe.cpp) of one build (probe.html?build=el|mt) on the
// page's main thread and exposes the browser suite's main-thread checks:
//   await weirProbeReady                  -> { isolated, backend, workers } once loaded
//   weirProbe.blockOnMainThread(ms)       -> { message, elapsedMs }: block_on of a sleep on the
//                                            page's main thread (it must refuse, not hang)
//   weirProbe.pipelineWhileTicking(n, minMs) -> runs the pipeline (again, until minMs have
//                                            passed): each run's count and sum, how long it all
//                                            took, and how a 1 ms interval and
//                                            requestAnimationFrame fired meanwhile (the event-loop
//                                            build must leave them run), then as long again with
//                                            nothing running (idle)
'use strict';
const BUDGET_MS = 8; // the runtime's slice budget, as in tests/wasm/event_loop.test.mjs
const build = new URLSearchParams(location.search).get('build');
const dir = { el: '/el/tests/', mt: '/mt/tests/' }[build];
const show = (line) => {
  document.getElementById('out').textContent += line + '\n';
};
document.getElementById('title').textContent = `weir probe (${build} build)`;

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.appendChild(s);
  });
}

const pending = new Map();
let nextId = 1;
let M = null;

/** Starts fn(...args, id); resolves with [a, b] when the probe reports id (weir::wasm::start). */
function call(fn, ...args) {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    M[fn](...args, id);
  });
}

window.weirProbeReady = (async () => {
  if (!dir) throw new Error(`bad build '${build}' (el or mt)`);
  await loadScript(`${dir}probe.js`);
  M = await createProbe({
    onProbeDone(id, a, b, error) {
      const p = pending.get(id);
      pending.delete(id);
      if (!p) return console.error(`probe reported unknown id ${id}`);
      if (error !== null) p.reject(new Error(error));
      else p.resolve([a, b]);
    },
    print: (line) => console.log(`[probe] ${line}`),
    printErr: (line) => console.warn(`[probe stderr] ${line}`),
  });
  const rt = M._probe_runtime_new(BUDGET_MS, 2);
  const info = {
    isolated: self.crossOriginIsolated,
    backend: M.UTF8ToString(M._probe_backend(rt)),
    workers: M._probe_worker_count(rt),
  };
  M._probe_runtime_delete(rt);
  show(`loaded: ${JSON.stringify(info)}`);
  return info;
})();

window.weirProbe = {
  blockOnMainThread(ms) {
    const rt = M._probe_runtime_new(BUDGET_MS, 2);
    const t0 = performance.now();
    const message = M.UTF8ToString(M._probe_block_on_sleep(rt, ms));
    const elapsedMs = performance.now() - t0;
    M._probe_runtime_delete(rt);
    show(`block_on(sleep ${ms} ms) on the main thread: ${elapsedMs.toFixed(1)} ms, "${message}"`);
    return { message, elapsedMs };
  },

  async pipelineWhileTicking(n, minMs) {
    const rt = M._probe_runtime_new(BUDGET_MS, 1);
    const slices0 = M._probe_parks(rt);
    const ticking = watchTicks();
    const t0 = performance.now();
    const runs = []; // one pipeline after the other until minMs have passed
    try {
      do {
        const t = performance.now();
        const [count, sum] = await call('_probe_pipeline', rt, n);
        runs.push({ count, sum, ms: Math.round(performance.now() - t) });
      } while (performance.now() - t0 < minMs);
    } finally {
      ticking.stop();
    }
    const pipelineMs = performance.now() - t0;
    const slices = M._probe_parks(rt) - slices0;
    M._probe_runtime_delete(rt);
    // The control: the same page with nothing else running, as long, to tell the runtime's
    // share of the gaps from the machine's.
    const idle = watchTicks();
    await new Promise((r) => setTimeout(r, pipelineMs));
    idle.stop();
    const r = { runs, pipelineMs, slices, ...ticking.stats, idle: idle.stats, budgetMs: BUDGET_MS };
    show(`pipeline(${n}): ${JSON.stringify(r)}`);
    return r;
  },
};

/** Counts the runs of a 1 ms interval and of requestAnimationFrame, and their largest gaps,
 *  until stop(); stats holds the figures. */
function watchTicks() {
  const stats = { ticks: 0, maxTickGapMs: 0, frames: 0, maxFrameGapMs: 0 };
  let lastTick = performance.now();
  const iv = setInterval(() => {
    const now = performance.now();
    stats.maxTickGapMs = Math.max(stats.maxTickGapMs, now - lastTick);
    lastTick = now;
    stats.ticks++;
  }, 1);
  let lastFrame = null;
  let raf = 0;
  const onFrame = (now) => {
    if (lastFrame !== null) stats.maxFrameGapMs = Math.max(stats.maxFrameGapMs, now - lastFrame);
    lastFrame = now;
    stats.frames++;
    raf = requestAnimationFrame(onFrame);
  };
  raf = requestAnimationFrame(onFrame);
  return {
    stats,
    stop() {
      clearInterval(iv);
      cancelAnimationFrame(raf);
    },
  };
}

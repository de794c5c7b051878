// weir-runtime's systems for the npm peer benchmarks (../shared/peers/npm/run.mjs, whose README
// is the specification; scripts/bench.sh runs them with NPM_PEERS_EXTRA pointing here): the same
// work, inputs and checks as the peers', through the package's plain per-item API. No batching
// by hand: the runtime forms its jobs itself. Importing this module has no side effects (the
// harness imports it in the parent and in each system's child).
const pkg = new URL('../../wasm/npm/src/index.mjs', import.meta.url).href;

async function runtime(backend, workers) {
  const { createRuntime } = await import(pkg);
  return createRuntime({ backend, workers });
}

function cpu(id, backend) {
  return {
    id,
    bench: 'cpu',
    async make(ctx) {
      const rt = await runtime(backend, ctx.CPU_WORKERS);
      const xs = ctx.cpuInput();
      return {
        // work(x, iters) is self-contained: it travels by its source; ITERS is its context.
        run: () => rt.iter(xs).map(ctx.work, { context: ctx.ITERS }).buffered(ctx.ITEM_WINDOW).collect(),
        check: ctx.checkCpu,
        teardown: () => rt.close(),
      };
    },
  };
}

function pipe(id, backend) {
  return {
    id,
    bench: 'pipe',
    async make(ctx) {
      const rt = await runtime(backend, 2);
      const xs = ctx.pipeInput();
      return {
        run: () => rt.iter(xs).map((x) => x * x).filter((x) => x % 2 === 0).collect(),
        check: ctx.checkPipe,
        teardown: () => rt.close(),
      };
    },
  };
}

function async_(id, backend) {
  return {
    id,
    bench: 'async',
    async make(ctx) {
      const rt = await runtime(backend, 2);
      const xs = ctx.asyncInput();
      return {
        // asyncItem is async: its calls run on the host thread, ASYNC_WINDOW of them at once.
        run: () => rt.iter(xs).map(ctx.asyncItem).buffered(ctx.ASYNC_WINDOW).collect(),
        check: ctx.checkAsync,
        teardown: () => rt.close(),
      };
    },
  };
}

// Ids are unique across benchmarks: the harness finds a system by its id alone (a child process
// runs `SYSTEMS.find((s) => s.id === id)`), so a shared id ran the first system's benchmark in
// its place (the pipe and async rows once showed the cpu benchmark's times).
export default [
  cpu('weir-threads', 'threads'),
  cpu('weir-event-loop', 'event-loop'),
  pipe('weir-threads-pipe', 'threads'),
  pipe('weir-event-loop-pipe', 'event-loop'),
  async_('weir-threads-c100', 'threads'),
  async_('weir-event-loop-c100', 'event-loop'),
];

// Part of the npm package's --pre-js (scripts/build-npm.sh appends it to the bundled glue): it
// runs where the module has just set its Worker for Node, before the pool is made. Node starts
// a worker with the process's own flags, and some stop a worker's module from loading (`node
// --input-type=module -e ...` is refused in a worker: every pool worker would die). The
// module's Worker (the global Emscripten sets in Node) is wrapped to start workers without the
// flags that only make sense for the main script: --input-type, and -e / -p with their source.
// Node inherits the other flags itself when none were removed; when some were, the rest are
// passed explicitly, and Node refuses there the flags a worker cannot take (V8 and per-process
// ones such as --expose-gc or --stack-size, which it drops silently when inheriting): those it
// names are dropped and the worker is started again, once per process.
if (typeof ENVIRONMENT_IS_NODE !== 'undefined' && ENVIRONMENT_IS_NODE &&
    typeof ENVIRONMENT_IS_PTHREAD !== 'undefined' && !ENVIRONMENT_IS_PTHREAD &&
    typeof global.Worker === 'function' && !global.Worker.weirWorkerFlags) {
  const NodeWorker = global.Worker;
  const flags = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--input-type')) {
      if (a === '--input-type') i++;
    } else if (a === '-e' || a === '--eval' || a === '-p' || a === '--print') {
      i++;
    } else if (!a.startsWith('--eval=') && !a.startsWith('--print=')) {
      flags.push(a);
    }
  }
  const removed = flags.length !== argv.length;
  global.Worker = class extends NodeWorker {
    constructor(url, options) {
      if (!removed) {
        super(url, options);
        return;
      }
      try {
        super(url, { execArgv: flags, ...options });
      } catch (e) {
        if (e?.code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw e;
        // "Initiated Worker with invalid execArgv flags: --expose-gc, --stack-size=400"
        const refused = new Set(String(e.message).replace(/^[^:]*:\s*/, '').split(/,\s*/));
        const kept = flags.filter((f) => !refused.has(f));
        flags.length = 0;
        flags.push(...kept);
        super(url, { execArgv: flags, ...options });
      }
    }
  };
  global.Worker.weirWorkerFlags = true;
}

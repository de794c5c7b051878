// The runner: a module Worker that hosts weir-runtime and runs the user's code, so that the
// page's thread only draws and never waits on it. The page ends a run that will not end by
// terminating this worker (the threads build's pool workers are its nested workers and go with
// it) and starts a fresh one; so nothing here needs to be interruptible.
//
// One run: a runtime with the toolbar's backend and workers, traced from the start (the trace
// feeds the page's live view in batches every 16 ms, and is kept for Download trace), the
// user's code run with the playground's globals, then the trace taken and the runtime closed.
//
// The user's code sees, as globals and as `import { ... } from 'weir-runtime'`:
//   rt             this run's runtime (rt.close() is left to the page: it takes the trace first)
//   createRuntime  gives that same runtime: code written for Node (the seed examples) runs as
//                  it is, on the runtime the toolbar chose and the view draws
//   Runtime, Stream, WeirStageError, WeirTimeoutError   the package's exports
import { createRuntime, Runtime, Stream, WeirStageError, WeirTimeoutError } from 'weir-runtime';
import { captureConsole } from './console_capture.js';
import { formatValue } from './format.js';
import { TracePacker } from './trace_pack.js';
import { PlaygroundSyntaxError, locateInStack, locateStage, wrap } from './user_code.js';

let runId = null; // the run in progress (its id), for reports from timers and promises
let runCode = '';

function post(msg, transfer) {
  self.postMessage(msg, transfer ?? []);
}

/** What the page needs of an error: its text, and where it points in the editor. */
function describeError(e, code) {
  if (!(e instanceof Error)) return { name: 'Uncaught', message: formatValue(e), text: `Uncaught ${formatValue(e)}` };
  const d = { name: e.name, message: e.message, stack: String(e.stack ?? '') };
  if (e instanceof PlaygroundSyntaxError) {
    d.at = { line: e.line, column: e.column };
    d.syntax = true;
  } else if (e instanceof SyntaxError && !locateInStack(e.stack)) {
    d.syntax = true; // V8 does not say where: the page asks the editor's parser
  }
  if (e instanceof WeirStageError) {
    const cause = e.cause;
    d.stage = e.stage;
    d.item = e.item;
    d.cause = cause instanceof Error ? { name: cause.name, message: cause.message, stack: String(cause.stack ?? '') } : { message: formatValue(cause) };
    d.at = locateStage(code, e.stage, cause?.stack);
  }
  d.at ??= locateInStack(e.stack);
  return d;
}

function reportUncaught(error) {
  if (runId === null) return;
  post({ type: 'error', id: runId, error: { ...describeError(error, runCode), uncaught: true } });
}

self.addEventListener('error', (ev) => {
  reportUncaught(ev.error ?? new Error(ev.message));
  ev.preventDefault();
});
self.addEventListener('unhandledrejection', (ev) => {
  reportUncaught(ev.reason);
  ev.preventDefault();
});

/** createRuntime as the user's code sees it: this run's runtime (see the top of the file). */
function playgroundCreateRuntime(rt) {
  return async (options = {}) => {
    if (options === null || typeof options !== 'object') {
      throw new TypeError('createRuntime(): options must be an object');
    }
    const asked = [];
    if (options.workers !== undefined && options.workers !== rt.workers) asked.push(`workers: ${options.workers}`);
    if (options.backend !== undefined && options.backend !== 'auto' && options.backend !== rt.backend) {
      asked.push(`backend: '${options.backend}'`);
    }
    if (asked.length) {
      console.warn(
        `playground: createRuntime({ ${asked.join(', ')} }) gives the page's runtime ` +
          `(${rt.backend}, ${rt.workers} worker${rt.workers === 1 ? '' : 's'}): choose them in the toolbar`,
      );
    }
    return rt;
  };
}

async function run({ id, code, workers, backend }) {
  runId = id;
  runCode = code;
  const t0 = performance.now();
  let rt;
  try {
    rt = await createRuntime({ workers, backend });
  } catch (e) {
    post({ type: 'error', id, error: describeError(e, '') });
    post({ type: 'done', id, ok: false, ms: performance.now() - t0 });
    runId = null;
    return;
  }
  const createMs = performance.now() - t0;
  post({ type: 'started', id, backend: rt.backend, workers: rt.workers, createMs });

  const packer = new TracePacker();
  rt.trace.start();
  const sub = rt.trace.subscribe(
    (batch) => {
      const p = packer.pack(batch);
      post({ type: 'trace', id, ...p }, [p.events.buffer]);
    },
    { intervalMs: 16 },
  );
  const close = rt.close.bind(rt);
  rt.close = async () => {}; // the page closes it after taking the trace
  const create = playgroundCreateRuntime(rt);
  const imports = { createRuntime: create, Runtime, Stream, WeirStageError, WeirTimeoutError };
  Object.assign(globalThis, imports, { rt, __weirImports: imports });
  const restore = captureConsole((level, text) => post({ type: 'console', id, level, text }));

  let ok = true;
  let result;
  const t1 = performance.now();
  try {
    // Indirect eval: the global scope, no access to this module's variables.
    const fn = (0, eval)(wrap(code));
    result = await fn();
  } catch (e) {
    ok = false;
    post({ type: 'error', id, error: describeError(e, code) });
  }
  const ms = performance.now() - t1;
  const cut = restore();
  sub.close();
  let perfetto = null;
  let dropped = 0;
  try {
    const trace = rt.trace.stop();
    perfetto = trace.toPerfetto();
    dropped = trace.dropped;
  } catch (e) {
    post({ type: 'console', id, level: 'warn', text: `playground: the trace could not be taken: ${e.message}` });
  }
  runId = null; // what the close rejects is not the user's
  await close();
  post({
    type: 'done',
    id,
    ok,
    result: ok && result !== undefined ? formatValue(result) : undefined,
    ms,
    createMs,
    cut,
    perfetto,
    dropped,
  });
}

let queue = Promise.resolve();
self.addEventListener('message', (ev) => {
  const msg = ev.data;
  if (msg?.type === 'run') queue = queue.then(() => run(msg));
});

post({ type: 'ready', isolated: self.crossOriginIsolated === true });

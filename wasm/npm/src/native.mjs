// The wasm module behind one Runtime: loading the right build (dist/weir-threads.mjs or
// dist/weir-event-loop.mjs, made by scripts/build-npm.sh from wasm/npm/bindings), one module
// instance per runtime (its own memory, and in the threads build its own pool of web workers,
// one per weir worker, made before the module is ready), and thin wrappers over its exports.
// Everything here runs on the host thread: the JavaScript thread that called createRuntime.

/** Whether this JavaScript environment can run the threads build. */
export function threadsAvailable() {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return false;
  // A browser page (or its workers) needs cross-origin isolation for shared memory; Node has it.
  if (typeof crossOriginIsolated === 'boolean' && !crossOriginIsolated) return false;
  return typeof Worker === 'function' || isNode();
}

export function isNode() {
  return typeof process === 'object' && process !== null && !!process.versions?.node;
}

const factories = new Map(); // backend -> Promise<module factory>

function factory(backend) {
  let f = factories.get(backend);
  if (!f) {
    const file = backend === 'threads' ? '../dist/weir-threads.mjs' : '../dist/weir-event-loop.mjs';
    f = import(new URL(file, import.meta.url).href).then((m) => m.default);
    factories.set(backend, f);
    f.catch(() => factories.delete(backend));
  }
  return f;
}

/**
 * A module instance with a runtime in it. host: { jobDone(job, cancelled), timerDone(id,
 * cancelled) }, called by the module on this thread.
 */
export async function loadNative(backend, workers, budgetMs, host) {
  const create = await factory(backend);
  const M = await create({ weirPoolSize: workers, weirHost: host });
  const rt = M._weir_npm_runtime_new(workers, budgetMs);
  if (!rt) throw new Error(`weir: the runtime could not start: ${M.UTF8ToString(M._weir_npm_error())}`);
  return new Native(M, rt);
}

export class Native {
  constructor(M, rt) {
    this.M = M;
    this.rt = rt;
    this.backend = M.UTF8ToString(M._weir_npm_backend());
    this.workers = M._weir_npm_worker_count(rt);
    this.shared =
      typeof SharedArrayBuffer === 'function' && M.wasmMemory.buffer instanceof SharedArrayBuffer;
    this.runner = M.weirJobRunner; // the host thread's own job runner (event-loop stash)
    this.strings = new Map(); // interned C strings (stage labels): text -> address
  }

  memory() {
    return this.M.wasmMemory;
  }
  i32() {
    return new Int32Array(this.M.wasmMemory.buffer);
  }
  u8() {
    return new Uint8Array(this.M.wasmMemory.buffer);
  }
  malloc(n) {
    const p = this.M._malloc(n);
    if (!p) throw new RangeError(`weir: out of wasm memory (asked for ${n} bytes)`);
    return p;
  }
  free(p) {
    if (p) this.M._free(p);
  }
  /** A NUL-terminated copy of s in wasm memory, kept for the runtime's life (stage labels). */
  cstring(s) {
    let p = this.strings.get(s);
    if (p === undefined) {
      const n = this.M.lengthBytesUTF8(s) + 1;
      p = this.malloc(n);
      this.M.stringToUTF8(s, p, n);
      this.strings.set(s, p);
    }
    return p;
  }
  /** Copies bytes into fresh wasm memory; returns the address. */
  put(bytes) {
    const p = this.malloc(Math.max(1, bytes.length));
    this.u8().set(bytes, p);
    return p;
  }

  /** batched: one of several jobs a stage keeps in flight (bindings.cpp: batched_job_ended). */
  submit(id, job, label, batched = false) {
    this.M._weir_npm_job_submit(this.rt, id, job, this.cstring(label), batched ? 1 : 0);
  }
  abort(id) {
    this.M._weir_npm_job_abort(this.rt, id);
  }
  sleep(id, ms) {
    this.M._weir_npm_sleep(this.rt, id, ms);
  }
  sleepAbort(id) {
    this.M._weir_npm_sleep_abort(this.rt, id);
  }

  metrics() {
    const cap = 6 + 8 * 64;
    const p = this.malloc(cap * 8);
    try {
      const n = this.M._weir_npm_metrics(this.rt, p, cap);
      return Array.from(new Float64Array(this.M.wasmMemory.buffer, p, Math.min(n, cap)));
    } finally {
      this.free(p);
    }
  }

  traceStart(words) {
    this.M._weir_npm_trace_start(this.rt, words);
  }
  traceStop() {
    this.M._weir_npm_trace_stop(this.rt);
  }
  /** The events since the last take: { flat: Float64Array (8 numbers each), names: string[] }. */
  traceTake() {
    const n = this.M._weir_npm_trace_take(this.rt);
    const buf = this.M.wasmMemory.buffer;
    const flat = new Float64Array(buf, this.M._weir_npm_trace_events(this.rt), n * 8).slice();
    const bytes = this.M._weir_npm_trace_names_bytes(this.rt);
    const at = this.M._weir_npm_trace_names(this.rt);
    const raw = new Uint8Array(buf, at, bytes).slice();
    const names = new TextDecoder().decode(raw).split('\0');
    names.pop(); // after the last NUL
    return { flat, names, dropped: this.M._weir_npm_trace_dropped(this.rt) };
  }
  traceJson() {
    return this.M.UTF8ToString(this.M._weir_npm_trace_json(this.rt));
  }
  traceStage(kind, name, count) {
    this.M._weir_npm_trace_stage(this.rt, kind, this.cstring(name), count);
  }

  /** Bytes of the wasm heap in use (malloc's count; tests watch it for leaks). */
  heapUsed() {
    return this.M._weir_npm_heap_used();
  }

  close() {
    if (!this.rt) return;
    this.M._weir_npm_runtime_delete(this.rt);
    this.rt = 0;
    // The shutdown posted a cancelled outcome for every job and timer still open: take them now,
    // on this thread, rather than from a drain that is only scheduled.
    this.M._weir_host_drain?.();
    for (const p of this.strings.values()) this.free(p);
    this.strings.clear();
    // The threads build's workers: the runtime joined its threads; the pool's idle workers are
    // weakly referenced in Node already, and are ended here so a browser frees them too.
    try {
      this.M.PThread?.terminateAllThreads?.();
    } catch {
      // not exported in this build: the workers end with the page
    }
  }
}

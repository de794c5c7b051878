// The job runner: runs one job (job_layout.mjs) in the JavaScript context of the thread that
// polls its task: a pool worker in the threads build, the host thread in the event-loop build.
// It is bundled into the wasm module as --pre-js (glue/entry.mjs), so every thread of the module
// has one, reaching linear memory and malloc through the functions the module hands it.
//
// A stage's function travels as source text and is compiled here, once per stage key, in a
// scope that sees only globals and the context the stage was given (cloned once per thread).
// A job calls it over the chunk's items in order, checking the pipeline's cancel flag before
// each call, and stops at the first throw; what it returns is written back as a chunk, or, for
// stages whose output is a subset or the input itself (filter, takeWhile, skipWhile, inspect,
// forEach, fold), as a mask, a position or nothing, so those items are never sent back.
import { decodeChunk, encodeChunk, encodeChunkScratch } from '../codec.mjs';
import { textOf } from '../errors.mjs';
import { ownProps, safe, sendable } from './thrown.mjs';
import { compileFusedLoop } from './fused_loop.mjs';
import { slowerThanTheBest } from './jit_guard.mjs';
import { CHUNK, D, J, STAGE, STATUS } from './job_layout.mjs';

const utf8 = new TextDecoder();

/** Reads a UTF-8 string out of (possibly shared) memory. */
function readString(u8, ptr, len) {
  // TextDecoder refuses views on a SharedArrayBuffer: copy those first.
  const view = u8.subarray(ptr, ptr + len);
  return utf8.decode(u8.buffer instanceof ArrayBuffer ? view : view.slice());
}

/** Compiles a stage function from its source, in the global scope (no outer variables). */
export function compileStage(source) {
  // Indirect eval runs in the global scope: the function sees globals and its arguments only.
  // eslint-disable-next-line no-eval
  const geval = eval;
  try {
    return geval(`(${source}\n)`);
  } catch (first) {
    // A method's source (`square(x) { ... }`) is not an expression on its own.
    try {
      const obj = geval(`({${source}\n})`);
      const keys = Object.keys(obj);
      if (keys.length === 1 && typeof obj[keys[0]] === 'function') return obj[keys[0]];
    } catch {
      // fall through to the first error
    }
    throw first;
  }
}

function isThenable(v) {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function';
}

/**
 * Makes the runner of one thread. env: { memory() -> WebAssembly.Memory, malloc(n) -> ptr,
 * free(ptr) }. The event-loop build's host engine also uses its stash: items handed over as
 * JavaScript arrays by id instead of being encoded (one thread: nothing to copy).
 */
export function makeRunner(env) {
  const cache = new Map(); // stage key -> { fn, ctx, label }; bounded (see remember)
  const fused = new Map(); // chain of stage keys -> { loop, labels } (fusedOf); bounded
  const stash = new Map();
  let nextStash = 1;
  const CACHE_MAX = 256;

  function remember(key, entry) {
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value); // oldest first
    cache.set(key, entry);
  }

  function stage(i32, u8, desc) {
    const d = desc >> 2;
    const key = i32[d + D.KEY];
    let s = cache.get(key);
    if (s) return s;
    const source = readString(u8, i32[d + D.SRC_PTR], i32[d + D.SRC_LEN]);
    const label = readString(u8, i32[d + D.LABEL_PTR], i32[d + D.LABEL_LEN]);
    const ctxLen = i32[d + D.CTX_LEN];
    const ctx = ctxLen
      ? decodeChunk({ kind: 'any', bytes: u8.subarray(i32[d + D.CTX_PTR], i32[d + D.CTX_PTR] + ctxLen), length: 1 })[0]
      : undefined;
    s = { fn: compileStage(source), source, ctx, label, kind: i32[d + D.KIND], slowJobs: 0, recompiles: 0 };
    remember(key, s);
    return s;
  }

  function readItems(i32, u8, kind, ptr, len, count) {
    if (kind === CHUNK.STASH) {
      const items = stash.get(ptr);
      stash.delete(ptr);
      return items;
    }
    if (kind === CHUNK.F64) {
      // The job's numbers, copied out (the host frees them when the job ends).
      const f64 = new Float64Array(u8.buffer, ptr, count);
      const out = new Array(count); // not Array.from: it walks an iterator, several times slower
      for (let k = 0; k < count; k++) out[k] = f64[k];
      return out;
    }
    return decodeChunk({ kind: 'any', bytes: u8.subarray(ptr, ptr + len), length: count });
  }

  /** Writes items out as a chunk (or a stash entry in the event-loop build); [kind, ptr, len]. */
  function writeItems(items, inline, where) {
    if (inline) {
      for (let i = 0; i < items.length; i++) {
        const t = typeof items[i];
        if (t === 'function' || t === 'symbol') throw new TypeError(`${where(i)} is a ${t}`);
      }
      const id = nextStash++;
      stash.set(id, items);
      return [CHUNK.STASH, id, 0];
    }
    const c = encodeChunkScratch(items, where); // a view of the scratch buffer: copied once below
    if (c.kind === 'f64') {
      const ptr = env.malloc(Math.max(8, items.length * 8));
      new Float64Array(env.memory().buffer, ptr, items.length).set(c.f64);
      return [CHUNK.F64, ptr, items.length * 8];
    }
    const ptr = env.malloc(Math.max(1, c.bytes.length));
    new Uint8Array(env.memory().buffer).set(c.bytes, ptr);
    return [CHUNK.ANY, ptr, c.bytes.length];
  }

  function writeError(_i32, base, error, extra) {
    const e = error instanceof Error ? error : null;
    // What the host gives as the WeirStageError's cause, beside the name, message and stack: in
    // the event-loop build the thrown value itself (a stash entry: one thread, nothing copied);
    // elsewhere a copy of a thrown non-Error (a string, a plain object) and of an Error's own
    // properties (a `code`), where the codec can send them and they are small. Everything read
    // from the thrown value is read safely: getters may throw, String() of a null-prototype
    // object or a symbol throws.
    let thrown = 0;
    let value = null;
    let props = null;
    if (!extra.inline) {
      if (!e) {
        if (sendable(error)) {
          thrown = 1;
          value = error;
        }
      } else {
        props = ownProps(e);
      }
    }
    const info = [
      e ? safe(() => String(e.name), 'Error') : 'Error',
      e ? safe(() => String(e.message), '') : textOf(error),
      e ? safe(() => (typeof e.stack === 'string' ? e.stack : ''), '') : '',
      extra.codec ? 1 : 0,
      extra.thenable ? 1 : 0,
      0,
      thrown,
      value,
      props,
    ];
    // The stash entry last, and dropped if what follows fails: one nobody takes would keep the
    // value for good.
    const held = extra.inline ? stashPut([error]) : 0;
    try {
      info[5] = held;
      const c = encodeChunk([info]);
      const ptr = env.malloc(Math.max(1, c.bytes.length));
      new Uint8Array(env.memory().buffer).set(c.bytes, ptr);
      const now = new Int32Array(env.memory().buffer); // i32 is stale if the malloc grew memory
      now[base + J.ERR_PTR] = ptr;
      now[base + J.ERR_LEN] = c.bytes.length;
    } catch (err) {
      if (held) stash.delete(held);
      throw err;
    }
  }

  function run(job) {
    const mem = env.memory();
    const i32 = new Int32Array(mem.buffer);
    const u8 = new Uint8Array(mem.buffer);
    const base = job >> 2;
    const shared = typeof SharedArrayBuffer !== 'undefined' && mem.buffer instanceof SharedArrayBuffer;
    if (i32[base + J.CHAIN_LEN] > 0) {
      runFused(job, i32, u8, shared);
      return;
    }
    const cancelAt = i32[base + J.CANCEL] >> 2;
    const inKind = i32[base + J.IN_KIND];
    const inline = inKind === CHUNK.STASH;
    let s;
    let items;
    let i = 0;
    let phase = 'setup';
    let sawCancel = false;
    try {
      s = stage(i32, u8, i32[base + J.STAGE]);
      items = readItems(i32, u8, inKind, i32[base + J.IN_PTR], i32[base + J.IN_LEN], i32[base + J.IN_COUNT]);
      const { fn, ctx, kind } = s;
      const n = items.length;
      let out = null;
      let outKind = CHUNK.NONE;
      let acc;
      if (kind === STAGE.SCAN || kind === STAGE.FOLD) {
        acc = readItems(i32, u8, i32[base + J.STATE_KIND], i32[base + J.STATE_PTR], i32[base + J.STATE_LEN], 1)[0];
      }
      phase = 'call';
      const t0 = performance.now();
      switch (kind) {
        case STAGE.MAP:
          out = new Array(n);
          for (; i < n; i++) {
            if ((shared ? Atomics.load(i32, cancelAt) : i32[cancelAt]) !== 0) break;
            const y = fn(items[i], ctx);
            if (isThenable(y)) throw thenableAt(i, y);
            out[i] = y;
          }
          break;
        case STAGE.FILTER: {
          const mask = new Uint8Array(n);
          for (; i < n; i++) {
            if ((shared ? Atomics.load(i32, cancelAt) : i32[cancelAt]) !== 0) break;
            const y = fn(items[i], ctx);
            if (isThenable(y)) throw thenableAt(i, y);
            mask[i] = y ? 1 : 0;
          }
          out = mask;
          outKind = CHUNK.MASK;
          break;
        }
        case STAGE.FILTER_MAP:
          out = [];
          for (; i < n; i++) {
            if ((shared ? Atomics.load(i32, cancelAt) : i32[cancelAt]) !== 0) break;
            const y = fn(items[i], ctx);
            if (isThenable(y)) throw thenableAt(i, y);
            if (y !== undefined) out.push(y);
          }
          break;
        case STAGE.FLAT_MAP:
          out = [];
          for (; i < n; i++) {
            if ((shared ? Atomics.load(i32, cancelAt) : i32[cancelAt]) !== 0) break;
            const y = fn(items[i], ctx);
            if (isThenable(y)) throw thenableAt(i, y);
            if (y == null || typeof y[Symbol.iterator] !== 'function') {
              throw new TypeError(`returned ${y === null ? 'null' : typeof y} where flatMap needs an array or an iterable`);
            }
            for (const v of y) out.push(v);
          }
          break;
        case STAGE.INSPECT:
        case STAGE.FOR_EACH:
          for (; i < n; i++) {
            if ((shared ? Atomics.load(i32, cancelAt) : i32[cancelAt]) !== 0) break;
            const y = fn(items[i], ctx);
            if (isThenable(y) && kind === STAGE.FOR_EACH) throw thenableAt(i, y);
          }
          break;
        case STAGE.TAKE_WHILE:
        case STAGE.SKIP_WHILE:
          for (; i < n; i++) {
            if ((shared ? Atomics.load(i32, cancelAt) : i32[cancelAt]) !== 0) {
              sawCancel = true;
              break;
            }
            const y = fn(items[i], ctx);
            if (isThenable(y)) throw thenableAt(i, y);
            if (!y) break; // DONE = the first item for which it is false
          }
          break;
        case STAGE.SCAN:
          out = new Array(n);
          for (; i < n; i++) {
            if ((shared ? Atomics.load(i32, cancelAt) : i32[cancelAt]) !== 0) break;
            acc = fn(acc, items[i], ctx);
            if (isThenable(acc)) throw thenableAt(i, acc);
            out[i] = acc;
          }
          break;
        case STAGE.FOLD:
          for (; i < n; i++) {
            if ((shared ? Atomics.load(i32, cancelAt) : i32[cancelAt]) !== 0) break;
            acc = fn(acc, items[i], ctx);
            if (isThenable(acc)) throw thenableAt(i, acc);
          }
          break;
        case STAGE.CALL: {
          const y = fn(...items);
          if (isThenable(y)) throw thenableAt(0, y);
          out = [y];
          i = n;
          break;
        }
        default:
          throw new Error(`weir: unknown stage kind ${kind}`);
      }
      const runMs = performance.now() - t0;
      new Float64Array(mem.buffer, job + J.RUN_MS * 4, 1)[0] = runMs;
      // Workers that share memory compare their pace (jit_guard.mjs says why).
      if (shared && slowerThanTheBest(s, i32, i32[base + J.STAGE] >> 2, runMs, i)) {
        s.fn = compileStage(`${s.source}\n// weir: compiled again (${s.recompiles})`);
      }
      const stopped = sawCancel || (i < n && kind !== STAGE.TAKE_WHILE && kind !== STAGE.SKIP_WHILE);
      phase = 'send';
      if (out && outKind !== CHUNK.MASK) {
        if (out.length > i && (kind === STAGE.MAP || kind === STAGE.SCAN)) out.length = i;
        const first = new Float64Array(mem.buffer, job + J.BASE * 4, 1)[0];
        const [k, ptr, len] = writeItems(out, inline, (j) => `${s.label} returned, for item ${first + j}, a value that`);
        i32[base + J.OUT_KIND] = k;
        i32[base + J.OUT_PTR] = ptr;
        i32[base + J.OUT_LEN] = len;
        i32[base + J.OUT_COUNT] = out.length;
      } else if (outKind === CHUNK.MASK) {
        if (inline) {
          i32[base + J.OUT_KIND] = CHUNK.STASH;
          i32[base + J.OUT_PTR] = stashPut(out);
        } else {
          const ptr = env.malloc(Math.max(1, n));
          new Uint8Array(env.memory().buffer).set(out, ptr);
          i32[base + J.OUT_KIND] = CHUNK.MASK;
          i32[base + J.OUT_PTR] = ptr;
        }
        i32[base + J.OUT_LEN] = n;
        i32[base + J.OUT_COUNT] = n;
      } else {
        i32[base + J.OUT_KIND] = CHUNK.NONE;
      }
      if (kind === STAGE.SCAN || kind === STAGE.FOLD) {
        const [k, ptr, len] = writeItems([acc], inline, () => `${s.label} returned, as its accumulator, a value that`);
        i32[base + J.STATE_KIND] = k;
        i32[base + J.STATE_PTR] = ptr;
        i32[base + J.STATE_LEN] = len;
      }
      i32[base + J.DONE] = i;
      i32[base + J.STATUS] = stopped ? STATUS.STOPPED : STATUS.OK;
    } catch (error) {
      i32[base + J.DONE] = i;
      i32[base + J.STATUS] = error && error.weirThenable ? STATUS.THENABLE : STATUS.ERROR;
      if (error && error.weirThenable) lastThenable = error.weirPromise;
      try {
        writeError(i32, base, error, { codec: phase === 'send', thenable: !!(error && error.weirThenable), inline });
      } catch {
        i32[base + J.ERR_PTR] = 0;
        i32[base + J.ERR_LEN] = 0;
      }
    }
  }

  /** The compiled loop of a chain (fused_loop.mjs), by the keys of its stages; bounded. */
  function fusedOf(i32, u8, chainAt, m) {
    let key = '';
    for (let k = 0; k < m; k++) key += `${i32[(i32[chainAt + k] >> 2) + D.KEY]},`;
    let f = fused.get(key);
    if (f) return f;
    const stages = [];
    for (let k = 0; k < m; k++) stages.push(stage(i32, u8, i32[chainAt + k]));
    const make = compileFusedLoop(stages.map((x) => x.kind));
    f = { loop: make(stages.map((x) => x.fn), stages.map((x) => x.ctx), thenableAt), labels: stages.map((x) => x.label) };
    if (fused.size >= CACHE_MAX) fused.delete(fused.keys().next().value);
    fused.set(key, f);
    return f;
  }

  /**
   * A fused job: the chain's loop over the items, numbers out straight into wasm memory. On a
   * throw, FAIL_STAGE says which stage; the counts say how far each stage got, so the host
   * can name the item by that stage's own input index.
   */
  function runFused(job, i32, u8, shared) {
    const base = job >> 2;
    const chainAt = i32[base + J.CHAIN_PTR] >> 2;
    const m = i32[base + J.CHAIN_LEN];
    const inKind = i32[base + J.IN_KIND];
    const inline = inKind === CHUNK.STASH;
    const count = i32[base + J.IN_COUNT];
    const st = { i: 0, o: 0, arr: null, k: 0 };
    const counts = new Int32Array(m);
    let outPtr = 0;
    let phase = 'setup';
    let f = null;
    try {
      f = fusedOf(i32, u8, chainAt, m);
      let out = null;
      let arr = [];
      if (!inline) {
        outPtr = env.malloc(Math.max(8, count * 8));
        out = new Float64Array(env.memory().buffer, outPtr, count);
        arr = null;
      }
      const mem = env.memory().buffer; // after the malloc, which may have grown it
      const inp = inKind === CHUNK.F64
        ? new Float64Array(mem, i32[base + J.IN_PTR], count)
        : readItems(i32, u8, inKind, i32[base + J.IN_PTR], i32[base + J.IN_LEN], count);
      phase = 'call';
      const t0 = performance.now();
      f.loop(inp, count, out, arr, new Int32Array(mem), i32[base + J.CANCEL] >> 2, shared, st, counts);
      const now = new Int32Array(env.memory().buffer);
      new Float64Array(now.buffer, job + J.RUN_MS * 4, 1)[0] = performance.now() - t0;
      phase = 'send';
      if (st.arr === null) {
        now[base + J.OUT_KIND] = CHUNK.F64;
        now[base + J.OUT_PTR] = outPtr;
        now[base + J.OUT_LEN] = st.o * 8;
      } else {
        if (outPtr) env.free(outPtr);
        outPtr = 0;
        // The event-loop build hands the array over as it is: its map and filterMap values were
        // checked in the loop (functions and symbols refused), and what came from the source
        // through filter or inspect passes as it does through those stages alone.
        const [k, ptr, len] = inline ? [CHUNK.STASH, stashPut(st.arr), 0] : writeFusedOut(st, counts);
        const at = new Int32Array(env.memory().buffer);
        at[base + J.OUT_KIND] = k;
        at[base + J.OUT_PTR] = ptr;
        at[base + J.OUT_LEN] = len;
      }
      const end = new Int32Array(env.memory().buffer);
      end[base + J.OUT_COUNT] = st.o;
      end[base + J.DONE] = st.i;
      end[base + J.STATUS] = st.i < count ? STATUS.STOPPED : STATUS.OK;
    } catch (error) {
      if (outPtr) env.free(outPtr);
      const thenable = !!(error && error.weirThenable);
      if (thenable) lastThenable = error.weirPromise;
      const end = new Int32Array(env.memory().buffer);
      end[base + J.OUT_KIND] = CHUNK.NONE;
      end[base + J.OUT_PTR] = 0;
      end[base + J.DONE] = st.i;
      end[base + J.FAIL_STAGE] = st.k;
      end[base + J.STATUS] = thenable ? STATUS.THENABLE : STATUS.ERROR;
      try {
        const refused = !!(error && error.weirRefused);
        writeError(end, base, refused ? Object.assign(new TypeError(error.message), { name: 'WeirRefused' }) : error,
          { codec: phase === 'send' || refused, thenable, inline });
      } catch {
        end[base + J.ERR_PTR] = 0;
        end[base + J.ERR_LEN] = 0;
      }
    } finally {
      const end = new Int32Array(env.memory().buffer);
      for (let k = 0; k < m; k++) end[chainAt + m + k] = counts[k];
    }
  }

  /**
   * The items out of a fused job as codec bytes; a value the codec refuses is blamed on the
   * chain's last stage that makes values (st.maker), at its own input index (st.at), as the
   * WeirRefused the host words (fused.mjs).
   */
  function writeFusedOut(st, counts) {
    try {
      return writeItems(st.arr, false, () => '\u0000');
    } catch (e) {
      if (!(e instanceof TypeError) || typeof e.itemIndex !== 'number' || st.maker < 0) throw e;
      const rest = e.message.startsWith('\u0000') ? e.message.slice(1) : ` (${e.message})`;
      st.k = st.maker;
      counts[st.maker] = st.at[e.itemIndex] + 1;
      const refused = new TypeError(rest);
      refused.weirRefused = true;
      throw refused;
    }
  }

  function thenableAt(i, promise) {
    const e = new TypeError('returned a promise on a worker, where it cannot be awaited');
    e.weirThenable = true;
    e.weirItem = i;
    e.weirPromise = promise;
    return e;
  }
  let lastThenable = null;

  function stashPut(items) {
    const id = nextStash++;
    stash.set(id, items);
    return id;
  }

  return {
    run,
    /** Event-loop build: hands items over without encoding; returns the id to put in IN_PTR. */
    stashPut,
    /** Event-loop build: takes the items of an OUT_PTR/STATE_PTR stash id. */
    stashTake(id) {
      const v = stash.get(id);
      stash.delete(id);
      return v;
    },
    stashDrop(id) {
      stash.delete(id);
    },
    /** The promise of the last call that returned one (the host's first call of a stage). */
    takeThenable() {
      const p = lastThenable;
      lastThenable = null;
      return p;
    },
    /** The number of compiled stages this thread keeps (tests: bounded). */
    cacheSize: () => cache.size,
  };
}

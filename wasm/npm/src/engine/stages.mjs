// Stage functions as the engine holds them: the source text that travels to the workers, the
// context (encoded once), a label for errors and traces, and a descriptor in wasm memory
// (job_layout.mjs, D) that jobs point at. Descriptors are shared by identical stages (same kind,
// source and context) and freed when the last pipeline using them ends, so running the same
// pipeline a thousand times makes one descriptor and compiles once per worker.
import { encodeChunk, encodeInto } from '../codec.mjs';
import { compileStage } from './job_runner.mjs';
import { D, DESC_BYTES, STAGE_NAMES } from './job_layout.mjs';

const te = new TextEncoder();

/** The head of a function's source, on one line, for labels. */
export function sourceHead(source, max = 40) {
  const one = source.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** The source of fn, or a TypeError that says why it cannot be shipped. */
export function shippableSource(fn, what) {
  const source = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    throw new TypeError(
      `${what} is a built-in or bound function, which cannot be shipped to the workers by its ` +
        'source; wrap it in a function of your own (for example x => Math.sqrt(x))',
    );
  }
  return source;
}

/** Whether fn is declared async (it then runs on the host thread, where promises settle). */
export function isAsyncFunction(fn) {
  const n = fn.constructor?.name;
  return n === 'AsyncFunction' || n === 'AsyncGeneratorFunction';
}

export class StageRegistry {
  constructor(native) {
    this.native = native;
    this.byKey = new Map(); // kind:source:context -> desc
    // The number a descriptor's content is known by in the workers' caches of compiled stages.
    // It outlives the descriptor, so the same pipeline run again (a new descriptor) finds its
    // functions compiled. Bounded: the oldest are forgotten first.
    this.numbers = new Map();
    this.nextKey = 1;
  }

  numberOf(key) {
    let k = this.numbers.get(key);
    if (k === undefined) {
      k = this.nextKey++;
      if (this.numbers.size >= 4096) this.numbers.delete(this.numbers.keys().next().value);
    } else {
      this.numbers.delete(key); // most recent last
    }
    this.numbers.set(key, k);
    return k;
  }

  /**
   * A descriptor for one stage function; release() it when the pipeline ends.
   * kind: STAGE.*; label: the stage's name for errors and traces.
   */
  acquire(kind, fn, source, context, label) {
    let ctxBytes = null;
    if (context !== undefined) {
      const c = encodeChunk([context], () => `${label}: its context`);
      ctxBytes = c.kind === 'f64' ? encodeAny(context, label) : c.bytes;
    }
    const key = `${kind}\u0000${label}\u0000${source}\u0000${ctxBytes ? bytesKey(ctxBytes) : ''}`;
    let d = this.byKey.get(key);
    if (d) {
      d.refs++;
      return d;
    }
    d = new StageDesc(this, key, kind, fn, source, context, label);
    d.ptr = this.write(d, ctxBytes);
    this.byKey.set(key, d);
    return d;
  }

  write(d, ctxBytes) {
    const n = this.native;
    const ptr = n.malloc(DESC_BYTES);
    const src = te.encode(d.source);
    const lab = te.encode(d.label);
    d.allocs = [ptr];
    const srcPtr = n.put(src);
    const labPtr = n.put(lab);
    d.allocs.push(srcPtr, labPtr);
    let ctxPtr = 0;
    if (ctxBytes) {
      ctxPtr = n.put(ctxBytes);
      d.allocs.push(ctxPtr);
    }
    const i32 = n.i32();
    const b = ptr >> 2;
    i32[b + D.KEY] = this.numberOf(d.key);
    i32[b + D.KIND] = d.kind;
    i32[b + D.SRC_PTR] = srcPtr;
    i32[b + D.SRC_LEN] = src.length;
    i32[b + D.CTX_PTR] = ctxPtr;
    i32[b + D.CTX_LEN] = ctxBytes ? ctxBytes.length : 0;
    i32[b + D.LABEL_PTR] = labPtr;
    i32[b + D.LABEL_LEN] = lab.length;
    i32[b + D.BEST_NS] = 0;
    return ptr;
  }

  release(d) {
    if (--d.refs > 0) return;
    this.byKey.delete(d.key);
    for (const p of d.allocs) this.native.free(p);
    d.allocs = [];
  }
}

function encodeAny(value, label) {
  // The context goes as an 'any' chunk even when it is a number (one code path in the runner).
  for (let size = 64; ; size *= 4) {
    const buf = new Uint8Array(size);
    const end = encodeInto([value], buf, 0, () => `${label}: its context`);
    if (end >= 0) return buf.slice(0, end);
  }
}

function bytesKey(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

export class StageDesc {
  constructor(registry, key, kind, fn, source, context, label) {
    this.registry = registry;
    this.key = key;
    this.kind = kind;
    this.fn = fn;
    this.source = source;
    this.context = context;
    this.label = label;
    this.refs = 1;
    this.ptr = 0;
    this.hostFn = null; // compiled on the host from the source (async stages, the first call)
  }

  /** The function compiled from its source on this thread (global scope only, as on workers). */
  compiled() {
    if (!this.hostFn) this.hostFn = compileStage(this.source);
    return this.hostFn;
  }

  get name() {
    return STAGE_NAMES[this.kind];
  }
}

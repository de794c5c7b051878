// The host side of jobs (job_layout.mjs explains them): writing a job into wasm memory with its
// items, handing it to the runtime, and turning its completion (on this thread) into the items
// out, or an error. Items go in as a Float64Array when all are numbers, as codec bytes otherwise,
// and, in the event-loop build (one thread), as the JavaScript array itself (the stash: nothing
// is copied). Every allocation of a job is freed when it completes, whether it ran, failed or was
// cancelled; the runtime reports each job exactly once, even at shutdown.
import { decodeChunk, encodeChunkScratch } from '../codec.mjs';
import { CHUNK, J, JOB_BYTES, STAGE, STATUS } from './job_layout.mjs';
import { Span } from './sources.mjs';

/** A plain array of a Float64Array's numbers (Array.from walks an iterator: several times slower). */
export function numbersOf(f64) {
  const n = f64.length;
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = f64[i];
  return out;
}

/** What a job gives back. */
export class JobResult {
  constructor() {
    this.status = STATUS.PENDING;
    this.done = 0; //      input items it got through
    this.items = null; //  map, filterMap, flatMap, scan, call: the items out
    this.mask = null; //   filter: one byte per input item
    this.state = undefined; // scan, fold: the accumulator after the job
    this.error = null; //  { name, message, stack, codec, thenable } when it failed
    this.cancelled = false; // aborted before it could run (or while the runtime shut down)
    this.runMs = 0; //     how long its calls took (not counting the wait for a worker)
    this.counts = null; // fused jobs: the items each stage of the chain took in
    this.failStage = 0; // fused jobs: the stage at fault (ERROR, THENABLE)
  }
}

export class Jobs {
  constructor(native) {
    this.native = native;
    this.inline = native.backend === 'event-loop';
    this.nextId = 1;
    this.pending = new Map(); // job address -> { resolve, allocations, result, kind }
    this.onBusy = null; // (busy) => void: the first job in flight, and the last one done
  }

  /**
   * Runs one job of stage `desc` (a StageDesc) over items; `cancelPtr` is the pipeline's flag.
   * state: the accumulator in (scan, fold); batched: one of several jobs the stage keeps in
   * flight (its completion may come with the next one's: native.mjs submit). Returns
   * { id, promise } (promise of a JobResult).
   */
  start(desc, items, cancelPtr, state, base = 0, batched = false) {
    const { job, allocs, id } = this.write(desc, items, cancelPtr, state, base, this.inline);
    const pending = { allocs, kind: desc.kind, count: items.length, chain: 0 };
    return this.submit(job, id, desc.label, pending, batched);
  }

  /**
   * Runs one fused job (fused.mjs): the chain of stages `descs` called on each item in turn.
   * Its JobResult also has counts (the items each stage took in) and failStage. Always batched
   * (start): a fused chain keeps several jobs in flight when its consumer wants everything.
   */
  startFused(descs, items, cancelPtr, base, label) {
    const { job, allocs, id } = this.write(descs[0], items, cancelPtr, undefined, base, this.inline);
    const m = descs.length;
    const chain = this.native.malloc(8 * m);
    allocs.push(chain);
    const i32 = this.native.i32();
    for (let k = 0; k < m; k++) {
      i32[(chain >> 2) + k] = descs[k].ptr;
      i32[(chain >> 2) + m + k] = 0;
    }
    i32[(job >> 2) + J.CHAIN_PTR] = chain;
    i32[(job >> 2) + J.CHAIN_LEN] = m;
    return this.submit(job, id, label, { allocs, kind: STAGE.MAP, count: items.length, chain: m }, true);
  }

  submit(job, id, label, pending, batched = false) {
    const promise = new Promise((resolve) => {
      pending.resolve = resolve;
      this.pending.set(job, pending);
    });
    if (this.pending.size === 1) this.onBusy?.(true);
    this.native.submit(id, job, label, batched);
    return { id, promise };
  }

  /**
   * Runs a job here and now, on the host thread, with the host's own runner: a stage's first
   * call (which tells whether it returns promises), and nothing else. Returns its JobResult.
   */
  runHere(desc, items, cancelPtr, state, base = 0) {
    const saved = this.inline;
    this.inline = true; // one thread: hand the items over as they are
    try {
      const { job, allocs } = this.write(desc, items, cancelPtr, state, base, true);
      const p = { allocs, kind: desc.kind, count: items.length, resolve: null, local: true };
      this.native.runner.run(job);
      let result;
      p.resolve = (r) => {
        result = r;
      };
      this.pending.set(job, p);
      this.done(job, 0);
      return result;
    } finally {
      this.inline = saved;
    }
  }

  write(desc, items, cancelPtr, state, base, inline) {
    const n = this.native;
    const allocs = [];
    const job = n.malloc(JOB_BYTES);
    allocs.push(job);
    const i32 = n.i32();
    const b = job >> 2;
    i32.fill(0, b, b + (JOB_BYTES >> 2));
    const id = this.nextId++;
    i32[b + J.ID] = id;
    i32[b + J.STAGE] = desc.ptr;
    i32[b + J.CANCEL] = cancelPtr;
    new Float64Array(n.memory().buffer, job + J.BASE * 4, 1)[0] = base;
    try {
      this.writeItems(items, b, J.IN_KIND, J.IN_PTR, J.IN_LEN, allocs, desc, inline, base);
      n.i32()[b + J.IN_COUNT] = items.length;
      if (desc.kind === STAGE.SCAN || desc.kind === STAGE.FOLD) {
        this.writeItems([state], b, J.STATE_KIND, J.STATE_PTR, J.STATE_LEN, allocs, desc, inline);
      }
    } catch (e) {
      // Items the codec refused: the job never starts, so what it holds goes now.
      const now = n.i32();
      if (now[b + J.IN_KIND] === CHUNK.STASH && now[b + J.IN_PTR]) n.runner.stashDrop(now[b + J.IN_PTR]);
      for (const a of allocs) n.free(a);
      throw e;
    }
    return { job, allocs, id };
  }

  abort(id) {
    this.native.abort(id);
  }

  writeItems(items, b, kindAt, ptrAt, lenAt, allocs, desc, inline, base = 0) {
    const n = this.native;
    if (items instanceof Span) {
      if (!inline && this.writeSpan(items, b, kindAt, ptrAt, lenAt, allocs)) return;
      items = items.toArray();
    }
    if (inline) {
      const i32 = n.i32();
      i32[b + kindAt] = CHUNK.STASH;
      i32[b + ptrAt] = n.runner.stashPut(items);
      return;
    }
    if (Array.isArray(items) && this.writeSpan(new Span(items, 0, items.length), b, kindAt, ptrAt, lenAt, allocs)) return;
    // A view of the codec's scratch buffer, copied once into wasm memory below.
    const c = encodeChunkScratch(items, (i) => `${desc.label}: item ${base + i}`); // the stage's own index
    let ptr;
    let len;
    if (c.kind === 'f64') {
      ptr = n.malloc(Math.max(8, c.f64.length * 8));
      new Float64Array(n.memory().buffer, ptr, c.f64.length).set(c.f64);
      len = c.f64.length * 8;
    } else {
      ptr = n.put(c.bytes);
      len = c.bytes.length;
    }
    allocs.push(ptr);
    const i32 = n.i32();
    i32[b + kindAt] = c.kind === 'f64' ? CHUNK.F64 : CHUNK.ANY;
    i32[b + ptrAt] = ptr;
    i32[b + lenAt] = len;
  }

  /**
   * Numbers straight into wasm memory, in one pass over the span; false (nothing written) when
   * an item is not a number, for the codec to take over.
   */
  writeSpan(span, b, kindAt, ptrAt, lenAt, allocs) {
    const { array, at, length } = span;
    if (length === 0 || typeof array[at] !== 'number') return false;
    const n = this.native;
    const ptr = n.malloc(length * 8);
    const f64 = new Float64Array(n.memory().buffer, ptr, length);
    if (!Array.isArray(array)) {
      f64.set(array.subarray(at, at + length)); // a typed array: numbers all
    } else {
      for (let k = 0; k < length; k++) {
        const v = array[at + k];
        if (typeof v !== 'number') {
          n.free(ptr);
          return false;
        }
        f64[k] = v;
      }
    }
    allocs.push(ptr);
    const i32 = n.i32();
    i32[b + kindAt] = CHUNK.F64;
    i32[b + ptrAt] = ptr;
    i32[b + lenAt] = length * 8;
    return true;
  }

  /** From the module (weirHost.jobDone): the job at `job` ended. */
  done(job, cancelled) {
    const p = this.pending.get(job);
    if (!p) return;
    this.pending.delete(job);
    if (this.pending.size === 0 && p.resolve !== null && !p.local) this.onBusy?.(false);
    const n = this.native;
    const r = new JobResult();
    try {
      if (cancelled) {
        r.cancelled = true;
        this.dropInline(job);
      } else {
        this.read(job, p, r);
      }
    } catch (e) {
      r.status = STATUS.ERROR;
      r.error = { name: e?.name ?? 'Error', message: String(e?.message ?? e), stack: e?.stack ?? '', codec: false, thenable: false };
    } finally {
      for (const a of p.allocs) n.free(a);
    }
    p.resolve(r);
  }

  /** A cancelled job may not have taken its stashed input: drop it. */
  dropInline(job) {
    if (!this.inline) return;
    const i32 = this.native.i32();
    const b = job >> 2;
    this.native.runner.stashDrop(i32[b + J.IN_PTR]);
    if (i32[b + J.STATE_KIND] === CHUNK.STASH) this.native.runner.stashDrop(i32[b + J.STATE_PTR]);
  }

  read(job, p, r) {
    const n = this.native;
    const i32 = n.i32();
    const b = job >> 2;
    r.status = i32[b + J.STATUS];
    r.done = i32[b + J.DONE];
    r.runMs = new Float64Array(n.memory().buffer, job + J.RUN_MS * 4, 1)[0];
    const outKind = i32[b + J.OUT_KIND];
    const outPtr = i32[b + J.OUT_PTR];
    if (p.chain) {
      const at = (i32[b + J.CHAIN_PTR] >> 2) + p.chain;
      r.counts = Array.from(i32.subarray(at, at + p.chain));
      r.failStage = i32[b + J.FAIL_STAGE];
    }
    if (r.status === STATUS.PENDING) {
      // The task ran but its runner never wrote a status (it cannot: the runner catches
      // everything). Treat it as cancelled rather than hang.
      r.cancelled = true;
      this.dropInline(job);
      return;
    }
    if (r.status === STATUS.ERROR || r.status === STATUS.THENABLE) {
      const ep = i32[b + J.ERR_PTR];
      const el = i32[b + J.ERR_LEN];
      if (ep) {
        const [name, message, stack, codec, thenable, held, thrown, value, props] = decodeChunk({
          kind: 'any',
          bytes: n.u8().subarray(ep, ep + el),
          length: 1,
        })[0];
        r.error = { name, message, stack, codec: !!codec, thenable: !!thenable, props };
        // The thrown value itself (event-loop build), or its copy (errors.mjs, reviveError).
        if (held) r.error.original = n.runner.stashTake(held)[0];
        else if (thrown) r.error.original = value;
        n.free(ep);
      } else {
        r.error = { name: 'Error', message: 'the stage failed (its error could not be sent)', stack: '', codec: false, thenable: false };
      }
      this.freeOut(outKind, outPtr);
      if (i32[b + J.STATE_PTR] && (p.kind === STAGE.SCAN || p.kind === STAGE.FOLD)) this.freeState(b, i32);
      return;
    }
    // OK or STOPPED: what it produced for the items it got through.
    if (outKind === CHUNK.STASH) {
      const v = n.runner.stashTake(outPtr);
      if (p.kind === STAGE.FILTER) r.mask = v;
      else r.items = v;
    } else if (outKind === CHUNK.F64) {
      r.items = numbersOf(new Float64Array(n.memory().buffer, outPtr, i32[b + J.OUT_COUNT]));
      n.free(outPtr);
    } else if (outKind === CHUNK.ANY) {
      const len = i32[b + J.OUT_LEN];
      r.items = decodeChunk({ kind: 'any', bytes: n.u8().subarray(outPtr, outPtr + len), length: i32[b + J.OUT_COUNT] });
      n.free(outPtr);
    } else if (outKind === CHUNK.MASK) {
      r.mask = n.u8().slice(outPtr, outPtr + i32[b + J.OUT_LEN]);
      n.free(outPtr);
    }
    if (p.kind === STAGE.SCAN || p.kind === STAGE.FOLD) {
      const sk = i32[b + J.STATE_KIND];
      const sp = i32[b + J.STATE_PTR];
      if (sk === CHUNK.STASH) r.state = n.runner.stashTake(sp)[0];
      else {
        const len = i32[b + J.STATE_LEN];
        r.state = sk === CHUNK.F64
          ? new Float64Array(n.memory().buffer, sp, 1)[0]
          : decodeChunk({ kind: 'any', bytes: n.u8().subarray(sp, sp + len), length: 1 })[0];
        // The state in was one of the job's own allocations; the state out is the runner's.
        if (!p.allocs.includes(sp)) n.free(sp);
      }
    }
  }

  freeOut(kind, ptr) {
    if (!ptr) return;
    if (kind === CHUNK.STASH) this.native.runner.stashDrop(ptr);
    else this.native.free(ptr);
  }

  freeState(b, i32) {
    const sk = i32[b + J.STATE_KIND];
    const sp = i32[b + J.STATE_PTR];
    if (sk === CHUNK.STASH) this.native.runner.stashDrop(sp);
  }
}

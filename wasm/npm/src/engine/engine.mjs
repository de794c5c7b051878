// From a stream's description (the list of operations Stream records: stream.mjs) to a chain of
// operators (sources, calls, structural, combine), and the consumers that drive it. A consumer
// runs in a Run (run.mjs): it pulls chunks until the end, the run fails, or its signal aborts;
// in every case the run ends, what is in flight is cancelled and its memory freed.
import { CallStage } from './calls.mjs';
import { FusedStage } from './fused.mjs';
import { fusable } from './fused_loop.mjs';
import { Chain, Merge, Zip } from './combine.mjs';
import { Run } from './run.mjs';
import { AsyncIterableSource, ArraySource, BIG_PULL, IterableSource, RangeSource } from './sources.mjs';
import { isAsyncFunction, shippableSource, sourceHead } from './stages.mjs';
import { Chunks, Enumerate, Skip, StageBounds, StageExit, Take, Timeout } from './structural.mjs';
import { STAGE, STAGE_NAMES } from './job_layout.mjs';

function makeSource(src) {
  switch (src.type) {
    case 'range':
      return new RangeSource(src.start, src.end);
    case 'array':
      return new ArraySource(src.items);
    case 'iterable':
      return new IterableSource(src.items);
    case 'async':
      return new AsyncIterableSource(src.items);
    default:
      throw new Error(`weir: internal: unknown source ${src.type}`);
  }
}

/** The label of a stage function: its stage() name, else its position and source's head. */
export function labelOf(op, position) {
  if (op.stageName) return op.stageName;
  return `stage ${position} (${STAGE_NAMES[op.stage]}: ${sourceHead(op.source)})`;
}

/** A stage that can go into a fused chain: stateless, synchronous, one call at a time. */
function fusableOp(op) {
  return fusable(op.stage) && op.window == null && !isAsyncFunction(op.fn);
}

/** A stage's descriptor and its trace hooks (items in, out and in flight, under its name). */
function stagePart(run, op, position, tracer, shape) {
  const label = labelOf(op, position);
  const desc = run.acquire(op.stage, op.fn, op.source, op.context, label);
  const name = op.stageName ?? label;
  let hooks = null;
  if (tracer) {
    // Items in and out so far, and the items in flight: the trace's stage_in, stage_out and
    // stage_in_flight events under the stage's name.
    let ins = 0;
    let outs = 0;
    hooks = {
      in: (n) => tracer(0, name, (ins += n)),
      out: (n) => tracer(1, name, (outs += n)),
      inFlight: (n) => tracer(2, name, n),
    };
  }
  shape?.push({ name, op: STAGE_NAMES[op.stage], window: op.window ?? null, ordered: op.ordered ?? true });
  return { desc, hooks };
}

/** Builds the operators of `ops` (a Stream's list) in run; returns the last one. */
export function build(run, ops, nested = false) {
  let up = null;
  const stages = []; // open stage() bounds, innermost last
  const tracer = run.rt.traceOn() ? (kind, name, count) => run.rt.traceStage(kind, name, count) : null;
  const shape = tracer && !nested ? [] : null; // the stages, for the trace's pipeline event
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    switch (op.kind) {
      case 'source':
        up = makeSource(op.src);
        break;
      case 'call': {
        if (fusableOp(op)) {
          // A run of simple synchronous stages: one operator, one job per chunk (fused.mjs).
          const chain = [];
          for (; i < ops.length && ops[i].kind === 'call' && fusableOp(ops[i]); i++) {
            chain.push(stagePart(run, ops[i], i, tracer, shape));
          }
          i--;
          up = new FusedStage(run, up, chain);
          break;
        }
        const { desc, hooks } = stagePart(run, op, i, tracer, shape);
        up = new CallStage(run, up, desc, {
          window: op.window ?? null,
          ordered: op.ordered ?? true,
          hooks,
          state: op.init,
        });
        break;
      }
      case 'take':
        up = new Take(up, op.n);
        break;
      case 'skip':
        up = new Skip(run, up, op.n);
        break;
      case 'chunks':
        up = new Chunks(run, up, op.n);
        break;
      case 'enumerate':
        up = new Enumerate(up);
        break;
      case 'timeout':
        up = new Timeout(run, up, op.ms);
        break;
      case 'zip':
        up = new Zip(up, build(run, op.other, true));
        break;
      case 'chain':
        up = new Chain(up, build(run, op.other, true));
        break;
      case 'merge':
        up = new Merge([up, ...op.others.map((o) => build(run, o, true))]);
        break;
      case 'stageEnter': {
        const b = new StageBounds(up, op.name, tracer);
        stages.push(b);
        up = b.entry();
        break;
      }
      case 'stageExit':
        up = new StageExit(up, stages.pop());
        break;
      default:
        throw new Error(`weir: internal: unknown operation ${op.kind}`);
    }
  }
  if (shape) run.rt.tracer.note({ kind: 'pipeline', stages: shape });
  return up;
}

/** The stage function of a consumer (fold, forEach), as a call op. */
export function consumerOp(stage, fn, context, init, position) {
  const source = shippableSource(fn, `${STAGE_NAMES[stage]}'s function`);
  return { kind: 'call', stage, fn, source, context, init, position };
}

/**
 * Runs ops to its end under a consumer. consume(run, op) does the pulling. Returns what it
 * returns, or rejects once with the run's failure (a stage error, the signal's reason).
 */
export async function drive(rt, ops, signal, consume) {
  rt.checkOpen();
  const run = new Run(rt, signal);
  try {
    run.check();
    const op = build(run, ops);
    const result = await run.race(consume(run, op));
    run.check();
    return result;
  } catch (e) {
    if (run.failure) throw run.failure.error;
    run.fail(e);
    throw e;
  } finally {
    run.end();
  }
}

export const consumers = {
  async collect(run, op) {
    // The chunks first, then one array (pushing item by item, or spreading large chunks into
    // push, cost more than the stages of a cheap pipeline).
    const chunks = [];
    for (;;) {
      const c = await op.pull(BIG_PULL);
      if (c === null) break;
      const t = run.breathe();
      if (t) await t;
      if (c.length) chunks.push(c);
    }
    if (chunks.length === 1) return chunks[0];
    // concat, a builtin: as fast as a loop that V8 has optimized, and this function runs once a
    // collect, so its own loop ran unoptimized (20-50 ns an item) in a process's first runs.
    // Groups of chunks: a spread of very many arguments overflows the stack.
    let out = [];
    for (let g = 0; g < chunks.length; g += 4096) out = out.concat(...chunks.slice(g, g + 4096));
    return out;
  },
  async count(run, op) {
    let n = 0;
    for (;;) {
      const c = await op.pull(BIG_PULL);
      if (c === null) return n;
      const t = run.breathe();
      if (t) await t;
      n += c.length;
    }
  },
  async sum(run, op) {
    let s = 0;
    for (;;) {
      const c = await op.pull(BIG_PULL);
      if (c === null) return s;
      const t = run.breathe();
      if (t) await t;
      for (const x of c) {
        if (typeof x !== 'number') {
          throw new TypeError(`sum() needs numbers; an item is ${x === null ? 'null' : typeof x}`);
        }
        s += x;
      }
    }
  },
  async first(run, op) {
    for (;;) {
      const c = await op.pull(1);
      if (c === null) return undefined;
      const t = run.breathe();
      if (t) await t;
      if (c.length) {
        op.close();
        return c[0];
      }
    }
  },
  /** fold and forEach: a call stage that hands nothing on, drained; fold gives its state. */
  drain(stageOf) {
    return async (run, op) => {
      const stage = stageOf(run, op);
      while ((await stage.pull(BIG_PULL)) !== null) {
        const t = run.breathe(); // nothing goes on, but the event loop gets its turns
        if (t) await t;
      }
      return stage.state;
    };
  },
};

/** A call stage built by a consumer (fold, forEach) on top of op. */
export function consumerStage(run, op, call, position) {
  const label = labelOf(call, position);
  const desc = run.acquire(call.stage, call.fn, call.source, call.context, label);
  return new CallStage(run, op, desc, { state: call.init });
}

export { STAGE };

// The loop of a fused job (fused.mjs, the host side): one pass over a chunk that calls a chain
// of stateless stages (map, filter, filterMap, inspect) on each item in turn, so an item crosses
// to a worker and back once for the whole chain instead of once per stage.
//
// The loop is generated as source, once per chain, with each stage function bound to a name of
// its own: every call site then sees one function, which V8 inlines into the loop. A generic
// loop over an array of functions would call them all through one site that sees them all (a
// polymorphic call per stage per item: several times the cost of the trivial stages that make
// fusing worth it). Numbers out go straight into a Float64Array (the job's output in wasm
// memory) until the first item that is not a number; from there on, into an array.
import { STAGE } from './job_layout.mjs';

/** Throws when a stage returned what cannot go on: a promise (THENABLE), a function or a symbol. */
function makeCheck(thenableAt) {
  return function check(k, kind, y) {
    if (y !== null && (typeof y === 'object' || typeof y === 'function') && typeof y.then === 'function') {
      throw thenableAt(k, y);
    }
    if ((kind === STAGE.MAP || kind === STAGE.FILTER_MAP) && (typeof y === 'function' || typeof y === 'symbol')) {
      const e = new TypeError(` is a ${typeof y}`); // the host puts the stage and item first
      e.weirRefused = true;
      throw e;
    }
  };
}

/** The numbers out so far as an array: the first item that is not a number ends the fast path. */
function spill(out, o) {
  const arr = new Array(o);
  for (let j = 0; j < o; j++) arr[j] = out[j];
  return arr;
}

/** What one stage does to x (the item) with y (its function's value), as loop source. */
function stageSource(k, kind) {
  const call = `k = ${k}; n${k}++; y = f${k}(x, c${k});`;
  switch (kind) {
    case STAGE.MAP:
      return `${call} if (typeof y !== 'number') check(${k}, ${kind}, y); x = y;`;
    case STAGE.FILTER:
      return `${call} if (typeof y !== 'boolean') check(${k}, ${kind}, y); if (!y) continue;`;
    case STAGE.FILTER_MAP:
      return `${call} if (typeof y !== 'number') check(${k}, ${kind}, y); if (y === undefined) continue; x = y;`;
    case STAGE.INSPECT:
      return call; // its value is ignored, a promise included (as in a one-stage job)
    default:
      throw new Error(`weir: internal: stage kind ${kind} cannot be fused`);
  }
}

/**
 * Compiles the loop of a chain of stage kinds. Returns make(fns, ctxs, thenableAt) -> loop, where
 * loop(inp, n, out, arr, i32, cancelAt, shared, st, counts) runs items 0..n-1 of inp, writes the
 * items out to out (a Float64Array, while arr is null) or arr, and leaves in st: i (items of inp
 * it got through), o (items out), arr, k (the stage it was in when it stopped or threw), and at:
 * for each item of arr, its input index at the chain's last stage that makes values (map,
 * filterMap), or -1 (so a value the codec then refuses is blamed on the stage that made it,
 * with that stage's own item index); and in counts[k] the items stage k took in.
 */
export function compileFusedLoop(kinds) {
  const m = kinds.length;
  const names = [];
  for (let k = 0; k < m; k++) names.push(`f${k} = fns[${k}], c${k} = ctxs[${k}]`);
  const counters = kinds.map((_, k) => `n${k} = 0`).join(', ');
  const stages = kinds.map((kind, k) => stageSource(k, kind)).join('\n        ');
  const saves = kinds.map((_, k) => `counts[${k}] = n${k};`).join(' ');
  let maker = -1;
  kinds.forEach((kind, k) => {
    if (kind === STAGE.MAP || kind === STAGE.FILTER_MAP) maker = k;
  });
  const made = maker < 0 ? '-1' : `n${maker} - 1`;
  const source = `(function (fns, ctxs, check, spill) {
  const ${names.join(', ')};
  return function fused(inp, n, out, arr, i32, cancelAt, shared, st, counts) {
    let i = 0, o = 0, k = 0, x, y, ${counters};
    let at = arr === null ? null : [];
    try {
      for (; i < n; i++) {
        if ((shared ? Atomics.load(i32, cancelAt) : i32[cancelAt]) !== 0) break;
        x = inp[i];
        ${stages}
        if (arr === null) {
          if (typeof x === 'number') { out[o++] = x; continue; }
          arr = spill(out, o);
          at = new Array(o).fill(-1);
        }
        arr.push(x);
        at.push(${made});
        o++;
      }
    } finally {
      st.i = i; st.o = o; st.arr = arr; st.at = at; st.k = k; st.maker = ${maker};
      ${saves}
    }
  };
})`;
  // Indirect eval: the generated code sees globals only (as the stage functions do).
  // eslint-disable-next-line no-eval
  const factory = (0, eval)(source);
  return (fns, ctxs, thenableAt) => factory(fns, ctxs, makeCheck(thenableAt), spill);
}

/** The kinds a fused job can hold: one item in, at most one out, no state. */
export function fusable(kind) {
  return kind === STAGE.MAP || kind === STAGE.FILTER || kind === STAGE.FILTER_MAP || kind === STAGE.INSPECT;
}

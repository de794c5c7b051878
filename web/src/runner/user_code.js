// The user's code as the runner runs it, and where its errors point.
//
// The editor holds the body of an async function, not a module: top-level `await` works, a
// top-level `return value` is the run's result, and `import ... from 'weir-runtime'` lines are
// rewritten (keeping every line where it was) into reads of the package's exports, so that
// code copied from a Node program runs as it is. Other imports are refused: the page has no
// module resolution for them. The code is evaluated in the runner worker's global scope with
// a sourceURL, so a stack frame `weir-playground.js:L:C` is a line and column of the editor.
// (The playground's globals, rt and the exports, are installed by worker.js.)

export const SOURCE_URL = 'weir-playground.js';
const PREFIX = '(async function () { "use strict"; ';

/** What weir-runtime exports (index.d.ts); an import of anything else is refused. */
export const EXPORTS = ['createRuntime', 'Runtime', 'Stream', 'WeirStageError', 'WeirTimeoutError'];

/** A problem found before the code runs, with its place (1-based line and column). */
export class PlaygroundSyntaxError extends SyntaxError {
  constructor(message, line, column) {
    super(message);
    this.line = line;
    this.column = column;
  }
}

const IMPORT = /^([ \t]*)import(?:\s+([\w$\s{},*]+?)\s+from)?\s*(['"])([^'"\n]*)\3[ \t]*;?/gm;

function lineColumn(code, offset) {
  let line = 1;
  let last = -1;
  for (let i = code.indexOf('\n'); i !== -1 && i < offset; i = code.indexOf('\n', i + 1)) {
    line++;
    last = i;
  }
  return { line, column: offset - last };
}

/** The declaration that replaces one import clause (`{ a, b as c }`, `* as ns`). */
function bindings(clause, where) {
  const c = clause.trim();
  const ns = /^\*\s+as\s+([\w$]+)$/.exec(c);
  if (ns) return `const ${ns[1]} = __weirImports;`;
  const named = /^\{([\s\S]*)\}$/.exec(c);
  if (!named) {
    throw new PlaygroundSyntaxError(
      "weir-runtime has no default export: write import { createRuntime } from 'weir-runtime'",
      where.line,
      where.column,
    );
  }
  const parts = named[1].split(',').map((p) => p.trim()).filter(Boolean);
  const out = parts.map((p) => {
    const m = /^([\w$]+)(?:\s+as\s+([\w$]+))?$/.exec(p);
    if (!m) throw new PlaygroundSyntaxError(`cannot read the import "${p}"`, where.line, where.column);
    if (!EXPORTS.includes(m[1])) {
      throw new PlaygroundSyntaxError(
        `weir-runtime has no export named '${m[1]}' (it has ${EXPORTS.join(', ')})`,
        where.line,
        where.column,
      );
    }
    return m[2] ? `${m[1]}: ${m[2]}` : m[1];
  });
  return `const { ${out.join(', ')} } = __weirImports;`;
}

/**
 * The code with its weir-runtime imports rewritten, every line kept where it was.
 * @throws {PlaygroundSyntaxError} an import of another module, or of a name weir-runtime lacks.
 */
export function rewriteImports(code) {
  return code.replace(IMPORT, (match, indent, clause, _q, from, offset) => {
    const where = lineColumn(code, offset + indent.length);
    if (from !== 'weir-runtime') {
      throw new PlaygroundSyntaxError(
        `the playground can import only 'weir-runtime', not '${from}'`,
        where.line,
        where.column,
      );
    }
    const decl = clause === undefined ? '' : bindings(clause, where);
    // Keep the line count: the declaration on the import's first line, its newlines after.
    const newlines = match.split('\n').length - 1;
    return indent + decl + '\n'.repeat(newlines);
  });
}

/** Source text that evaluates (indirect eval) to the async function holding the user's code. */
export function wrap(code) {
  return `${PREFIX}${rewriteImports(code)}\n})\n//# sourceURL=${SOURCE_URL}`;
}

/** The editor place of the first stack frame in the user's code, or null. */
export function locateInStack(stack) {
  if (typeof stack !== 'string') return null;
  const m = new RegExp(`${SOURCE_URL.replace('.', '\\.')}:(\\d+):(\\d+)`).exec(stack);
  if (!m) return null;
  const line = Number(m[1]);
  let column = Number(m[2]);
  if (line === 1) column = Math.max(1, column - PREFIX.length);
  return { line, column };
}

/**
 * The place of a failing stage function in the code: WeirStageError.stage is its stage()
 * name, or `stage <n> (<op>: <head of its source>)`, or `spawn (<head>)`. The head is found in
 * the code (compared with runs of white space as one space); the cause's stack, taken where the
 * function was compiled from its source alone (`<anonymous>:L:C`), then gives the line within.
 */
export function locateStage(code, stage, causeStack) {
  if (typeof stage !== 'string') return null;
  let at = null;
  const labelled = /^(?:stage \d+ \([\w]+: |spawn \()(.*)\)$/s.exec(stage);
  if (labelled) {
    const head = labelled[1].replace(/…$/, '');
    const offset = findNormalized(code, head);
    if (offset >= 0) at = lineColumn(code, offset);
  } else {
    for (const q of ["'", '"', '`']) {
      const i = code.indexOf(`${q}${stage}${q}`);
      if (i >= 0) {
        at = lineColumn(code, i);
        break;
      }
    }
    return at;
  }
  if (!at) return null;
  const inner = typeof causeStack === 'string' ? /<anonymous>:(\d+):(\d+)/.exec(causeStack) : null;
  if (inner) {
    const l = Number(inner[1]);
    const c = Number(inner[2]);
    // The function was compiled as `(<source>\n)`: its first line has the parenthesis.
    if (l === 1) return { line: at.line, column: at.column + c - 2 };
    return { line: at.line + l - 1, column: c };
  }
  return at;
}

/** The offset in code where text starts, comparing runs of white space as one space; or -1. */
function findNormalized(code, text) {
  const map = [];
  let norm = '';
  for (let i = 0; i < code.length; i++) {
    const ch = code[i];
    if (/\s/.test(ch)) {
      if (norm.endsWith(' ')) continue;
      norm += ' ';
    } else norm += ch;
    map.push(i);
  }
  const j = norm.indexOf(text.replace(/\s+/g, ' ').trim());
  return j < 0 ? -1 : map[j];
}

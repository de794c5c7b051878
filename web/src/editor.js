// The code editor: Monaco holding JavaScript, with completion and hover documentation from
// weir-runtime's own type declarations (index.d.ts and the files of types/ it re-exports, fed
// to Monaco's TypeScript worker as the module 'weir-runtime'), plus declarations of the
// playground's globals (rt and the package's exports: see runner/worker.js). Syntax errors are
// marked as one types (the TypeScript worker's syntactic check); a run's errors are marked at
// their line and column (markRunError).
import { monaco, javascriptDefaults, getJavaScriptWorker } from './monaco.js';
import indexDeclarations from 'text:wasm/npm/index.d.ts';
import errorsDeclarations from 'text:wasm/npm/types/errors.d.ts';
import metricsDeclarations from 'text:wasm/npm/types/metrics.d.ts';
import runtimeDeclarations from 'text:wasm/npm/types/runtime.d.ts';
import streamDeclarations from 'text:wasm/npm/types/stream.d.ts';
import traceDeclarations from 'text:wasm/npm/types/trace.d.ts';

const RUN_OWNER = 'weir-run';

// Monaco's workers, built next to this bundle (build.mjs): the TypeScript one for JavaScript,
// the editor one for everything else.
self.MonacoEnvironment = {
  getWorker(_id, label) {
    const file = label === 'typescript' || label === 'javascript' ? 'ts.worker.js' : 'editor.worker.js';
    return new Worker(new URL(`./${file}`, import.meta.url), { type: 'module', name: label });
  },
};

/** The files index.d.ts re-exports (`export * from './types/....js'`), by that path. */
const PARTS = {
  './types/runtime.js': runtimeDeclarations,
  './types/stream.js': streamDeclarations,
  './types/errors.js': errorsDeclarations,
  './types/trace.js': traceDeclarations,
  './types/metrics.js': metricsDeclarations,
};

/**
 * index.d.ts as an ambient module: `declare module 'weir-runtime' { ... }`, each of its
 * re-exports replaced by that file's declarations, less their imports of each other (in one
 * module they see each other).
 */
function asModule(dts) {
  const body = dts
    .replace(/^export \* from '([^']+)';$/gm, (_line, from) => {
      if (!(from in PARTS)) throw new Error(`editor.js: index.d.ts re-exports ${from}, missing from PARTS`);
      return PARTS[from].replace(/^import type .* from '\.\/[a-z_]+\.js';$/gm, '');
    })
    .replace(/^export declare /gm, 'export ');
  return `declare module 'weir-runtime' {\n${body}\n}\n`;
}

const GLOBALS = `// The playground's globals (see the page's docs).
/** This run's runtime: the backend and workers chosen in the toolbar, traced into the view. */
declare const rt: import('weir-runtime').Runtime;
/** Gives the page's runtime (rt); the toolbar chooses its backend and workers. */
declare const createRuntime: typeof import('weir-runtime').createRuntime;
declare const WeirStageError: typeof import('weir-runtime').WeirStageError;
declare const WeirTimeoutError: typeof import('weir-runtime').WeirTimeoutError;
declare const Stream: typeof import('weir-runtime').Stream;
declare const Runtime: typeof import('weir-runtime').Runtime;
`;

function configureLanguage() {
  javascriptDefaults.setCompilerOptions({
    target: 99, // ESNext
    module: 99,
    moduleResolution: 2,
    allowJs: true,
    allowNonTsExtensions: true,
    lib: ['esnext', 'dom'],
  });
  // Semantic checks of plain JavaScript would flag what the playground allows (top-level
  // return and await in a script); syntax errors are what the editor must show.
  javascriptDefaults.setDiagnosticsOptions({ noSemanticValidation: true, noSyntaxValidation: false });
  javascriptDefaults.setEagerModelSync(true);
  javascriptDefaults.addExtraLib(asModule(indexDeclarations), 'file:///node_modules/@types/weir-runtime/index.d.ts');
  javascriptDefaults.addExtraLib(GLOBALS, 'file:///playground-globals.d.ts');
}

export class Editor {
  constructor(element, { code, onRun }) {
    configureLanguage();
    this.model = monaco.editor.createModel(code, 'javascript', monaco.Uri.parse('file:///playground.js'));
    this.editor = monaco.editor.create(element, {
      model: this.model,
      automaticLayout: true,
      minimap: { enabled: false },
      fontSize: 13,
      scrollBeyondLastLine: false,
      tabSize: 2,
      theme: 'vs-dark',
      fixedOverflowWidgets: true,
    });
    this.editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => onRun());
    // A run's marks belong to the code it ran: an edit clears them.
    this.model.onDidChangeContent(() => this.clearRunMarkers());
  }

  getValue() {
    return this.model.getValue();
  }

  setValue(code) {
    this.model.setValue(code);
    this.editor.setScrollTop(0);
  }

  focus() {
    this.editor.focus();
  }

  clearRunMarkers() {
    monaco.editor.setModelMarkers(this.model, RUN_OWNER, []);
  }

  /** Marks a run's error at { line, column } (1-based) with message. */
  markRunError(at, message) {
    const line = Math.min(Math.max(1, at.line), this.model.getLineCount());
    const maxColumn = this.model.getLineMaxColumn(line);
    const column = Math.min(Math.max(1, at.column ?? 1), maxColumn);
    // The word at the place, or the rest of the line.
    const word = this.model.getWordAtPosition({ lineNumber: line, column });
    const endColumn = word ? word.endColumn : Math.max(column + 1, maxColumn);
    monaco.editor.setModelMarkers(this.model, RUN_OWNER, [
      {
        severity: monaco.MarkerSeverity.Error,
        message,
        startLineNumber: line,
        startColumn: word ? word.startColumn : column,
        endLineNumber: line,
        endColumn,
      },
    ]);
    this.editor.revealLineInCenterIfOutsideViewport(line);
  }

  /** The first syntax error the TypeScript worker finds: { line, column, message }, or null. */
  async findSyntaxError() {
    const getWorker = await getJavaScriptWorker();
    const worker = await getWorker(this.model.uri);
    const diags = await worker.getSyntacticDiagnostics(this.model.uri.toString());
    if (!diags.length) return null;
    const d = diags[0];
    const pos = this.model.getPositionAt(d.start ?? 0);
    const text = typeof d.messageText === 'string' ? d.messageText : d.messageText?.messageText;
    return { line: pos.lineNumber, column: pos.column, message: text ?? 'syntax error' };
  }

  /** Every marker on the model (the tests read them through the page). */
  markers() {
    return monaco.editor.getModelMarkers({ resource: this.model.uri }).map((m) => ({
      owner: m.owner,
      line: m.startLineNumber,
      column: m.startColumn,
      message: m.message,
      severity: m.severity,
    }));
  }
}

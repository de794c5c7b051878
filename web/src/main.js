// The playground page: wires the toolbar, the editor, the runner (a worker that runs the code
// on weir-runtime), the live view and the output panel together. What each part does is in its
// own file; this one decides what happens on Run, on Stop and as the runner reports.
//
// Test hooks: window.weirView.stats() (view.js), window.weirPlayground (below).
import './style.css';
import { Editor } from './editor.js';
import { DEFAULT_EXAMPLE, EXAMPLES } from './examples/index.js';
import { OutputPanel } from './output.js';
import { RunnerClient } from './runner_client.js';
import { decodeShare, encodeShare } from './share.js';
import { Toolbar } from './toolbar.js';
import { downloadTrace } from './trace_download.js';
import { LiveView } from './view/view.js';

const isolated = self.crossOriginIsolated === true;
const output = new OutputPanel(document.getElementById('output'));
const view = new LiveView(document.getElementById('view'), document.getElementById('tooltip'));
const example = (id) => EXAMPLES.find((e) => e.id === id);

let lastTrace = null; // the last run's Perfetto JSON
let stoppedAt = 0;
let runStart = 0;
let runOwnerCode = '';
let errorShown = Promise.resolve(); // a run's errors are in the panel before its end is
let running = false; // from Run until the run's end is shown (or Stop)
let currentRun = 0; // the runner's id of the run in progress

const toolbar = new Toolbar({
  examples: EXAMPLES,
  isolated,
  workers: Math.min(4, Math.max(2, navigator.hardwareConcurrency || 2)),
  onRun: () => run(),
  onStop: () => stop(),
  onExample: (id) => {
    editor.setValue(example(id).code);
    editor.focus();
  },
  onShare: () => share(),
  onDownload: () => {
    if (lastTrace) downloadTrace(lastTrace);
  },
});

const shared = location.hash ? await decodeShare(location.hash) : null;
if (shared?.workers) toolbar.workers = shared.workers;
if (!shared) toolbar.setExample(DEFAULT_EXAMPLE);
const editor = new Editor(document.getElementById('editor'), {
  code: shared ? shared.code : example(DEFAULT_EXAMPLE).code,
  onRun: () => run(),
});

const runner = new RunnerClient({
  message: (msg) => onRunnerMessage(msg),
  ready: () => {
    if (!running) toolbar.status(isolated ? 'ready' : 'ready (event-loop backend)');
  },
});

function run() {
  if (running) return;
  running = true;
  output.clear();
  editor.clearRunMarkers();
  lastTrace = null;
  toolbar.setDownloadable(false);
  toolbar.setRunning(true);
  toolbar.status('starting…');
  runOwnerCode = editor.getValue();
  runStart = performance.now();
  view.startRun({ workers: toolbar.workers });
  currentRun = runner.run({ code: runOwnerCode, workers: toolbar.workers, backend: toolbar.backend });
}

function stop() {
  if (!running) return;
  const t = performance.now();
  if (runner.running) runner.stop();
  currentRun = 0;
  running = false;
  view.endRun();
  toolbar.setRunning(false);
  stoppedAt = performance.now();
  output.line(`■ stopped after ${Math.round(t - runStart)} ms (the runner was ended and a new one started)`, 'warn');
  toolbar.status(`stopped in ${(stoppedAt - t).toFixed(0)} ms`);
}

async function share() {
  const hash = await encodeShare({ code: editor.getValue(), workers: toolbar.workers });
  history.replaceState(null, '', `#${hash}`);
  let copied = false;
  try {
    await navigator.clipboard.writeText(location.href);
    copied = true;
  } catch {
    // no clipboard permission: the address bar has it
  }
  toolbar.status(copied ? 'link copied (the code is in the address)' : 'the code is in the address bar: copy it');
}

async function showError(e) {
  if (e.stage !== undefined) {
    output.line(`✗ ${e.name}: ${e.message}`, 'error');
    output.line(`  stage: ${e.stage}`, 'error');
    output.line(`  item: ${e.item}`, 'error');
    if (e.cause) output.line(`  cause: ${e.cause.name ? `${e.cause.name}: ` : ''}${e.cause.message}`, 'error');
  } else {
    output.line(`✗ ${e.uncaught ? 'Uncaught ' : ''}${e.name}: ${e.message}`, 'error');
  }
  let at = e.at;
  let message = `${e.name}: ${e.message}`;
  if (!at && e.syntax) {
    // V8 does not say where a syntax error is: ask the editor's parser.
    const found = await editor.findSyntaxError().catch(() => null);
    if (found) {
      at = found;
      message = `${e.name}: ${found.message}`;
    }
  }
  if (at) {
    output.line(`  at line ${at.line}, column ${at.column}`, 'error');
    if (editor.getValue() === runOwnerCode) editor.markRunError(at, message);
  }
}

function onRunnerMessage(msg) {
  switch (msg.type) {
    case 'started':
      if (msg.workers !== view.model.lanes.length - 1) view.model.reset(msg.workers);
      toolbar.status(`running on ${msg.backend}, ${msg.workers} worker${msg.workers === 1 ? '' : 's'}…`);
      output.line(`▶ ${msg.backend} backend, ${msg.workers} worker${msg.workers === 1 ? '' : 's'}${isolated ? '' : ' (event-loop: the page is not cross-origin isolated)'}`, 'info');
      break;
    case 'console':
      output.line(msg.text, msg.level);
      break;
    case 'trace':
      view.addBatch(msg);
      break;
    case 'error':
      errorShown = errorShown.then(() => showError(msg.error));
      break;
    case 'done':
      errorShown.then(() => finishRun(msg));
      break;
    default:
      break;
  }
}

function finishRun(msg) {
  if (msg.id !== currentRun) return; // stopped meanwhile
  view.endRun();
  running = false;
  toolbar.setRunning(false);
  if (msg.cut) output.line(`(${msg.cut} more console lines were cut)`, 'warn');
  if (msg.result !== undefined) output.line(`⇒ ${msg.result}`, 'result');
  output.line(`${msg.ok ? '✓ done' : '✗ failed'} in ${Math.round(msg.ms)} ms`, msg.ok ? 'info' : 'error');
  lastTrace = msg.perfetto ?? null;
  toolbar.setDownloadable(lastTrace !== null);
  toolbar.status(msg.ok ? `done in ${Math.round(msg.ms)} ms` : 'failed');
}

// ---- test hooks ----

window.weirView = {
  stats: () => view.stats(),
  pollInfo: (lane, i) => view.pollInfo(lane, i),
  pollPoint: (lane, i) => view.pollPoint(lane, i),
};
window.weirPlayground = {
  isolated,
  examples: EXAMPLES.map((e) => ({ id: e.id, title: e.title })),
  getCode: () => editor.getValue(),
  setCode: (code) => editor.setValue(code),
  markers: () => editor.markers(),
  output: () => output.text(),
  running: () => running,
  status: () => document.getElementById('status').textContent,
  traceJson: () => lastTrace,
  readyMs: performance.now(),
};
window.weirPlaygroundReady = true;

// A dedicated worker that runs one seed example of the event-loop build (seed-worker.js?name=...)
// and posts its output lines, then its exit code, to the page (seed.js). The program's main()
// calls block_on, which a worker may do.
'use strict';
const name = new URL(self.location.href).searchParams.get('name') ?? '';
const dir = '/el/examples/';
self.Module = {
  print: (text) => postMessage({ kind: 'out', text }),
  printErr: (text) => postMessage({ kind: 'err', text }),
  onExit: (code) => postMessage({ kind: 'exit', code }),
  onAbort: (what) => postMessage({ kind: 'error', text: `aborted: ${what}` }),
  // The .wasm sits beside the program, not beside this worker.
  locateFile: (path) => dir + path,
};
if (!/^seed_[a-z_]+$/.test(name)) {
  postMessage({ kind: 'error', text: `bad example name '${name}'` });
} else {
  try {
    importScripts(`${dir}weir-${name.replace(/_/g, '-')}.js`);
  } catch (e) {
    postMessage({ kind: 'error', text: `loading the program: ${e && e.stack ? e.stack : e}` });
  }
}

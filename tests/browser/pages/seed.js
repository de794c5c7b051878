// Runs one seed example (seed.html?build=el|mt&name=...) and publishes window.weirResult =
// { build, name, isolated, stdout, stderr, exitCode, errors } when it exits (or fails to load).
// The seed programs call block_on in main(), and a page's main thread may not block:
//   el  the event-loop build runs main() where it is loaded, so it is loaded in a dedicated
//       Worker (seed-worker.js), where block_on may block (busy-waiting on a page that is not
//       cross-origin isolated: no SharedArrayBuffer, hence no Atomics.wait);
//   mt  the threads build is linked with PROXY_TO_PTHREAD: main() already runs on a worker, so
//       the page loads the program directly (it needs a cross-origin isolated page).
'use strict';
(function () {
  const params = new URLSearchParams(location.search);
  const build = params.get('build');
  const name = params.get('name') ?? '';
  const outEl = document.getElementById('out');
  const statusEl = document.getElementById('status');
  document.getElementById('title').textContent = `weir ${name} (${build} build)`;

  const result = {
    build,
    name,
    isolated: self.crossOriginIsolated,
    sharedArrayBuffer: typeof SharedArrayBuffer === 'function',
    stdout: '',
    stderr: '',
    exitCode: null,
    errors: [],
  };
  let finished = false;
  const out = (line) => {
    result.stdout += line + '\n';
    outEl.textContent += line + '\n';
  };
  const err = (line) => {
    result.stderr += line + '\n';
    console.warn(`[${name} stderr] ${line}`);
  };
  const fail = (what) => {
    console.error(`[${name}] ${what}`);
    if (finished) return; // after the exit: in the log only
    result.errors.push(String(what));
    finish();
  };
  async function finish() {
    if (finished) return;
    finished = true;
    try {
      const expected = await (await fetch(`/expected/${name}.txt`)).text();
      const ok = result.exitCode === 0 && result.stdout === expected && result.errors.length === 0;
      const same = result.stdout === expected ? 'as' : 'NOT as';
      statusEl.textContent = ok
        ? 'PASS: exit code 0, output as expected'
        : `FAIL: exit code ${result.exitCode}, output ${same} expected`;
    } catch (e) {
      statusEl.textContent = `finished (could not fetch the expected output: ${e})`;
    }
    window.weirResult = result;
  }

  if (!/^seed_[a-z_]+$/.test(name)) return fail(`bad example name '${name}'`);
  const script = `weir-${name.replace(/_/g, '-')}.js`;

  if (build === 'el') {
    const w = new Worker(`seed-worker.js?name=${encodeURIComponent(name)}`);
    w.onmessage = (e) => {
      const m = e.data;
      if (m.kind === 'out') out(m.text);
      else if (m.kind === 'err') err(m.text);
      else if (m.kind === 'exit') {
        result.exitCode = m.code;
        finish();
      } else if (m.kind === 'error') fail(`in the worker: ${m.text}`);
    };
    w.onerror = (e) => {
      e.preventDefault();
      fail(`uncaught in the worker: ${e.message} (${e.filename}:${e.lineno})`);
    };
  } else if (build === 'mt') {
    // The program runs in this page's realm: anything it throws before exiting fails the run
    // at once (e.g. no SharedArrayBuffer on a page that is not isolated).
    window.addEventListener('error', (e) =>
      fail(`uncaught: ${e.message} (${e.filename}:${e.lineno})`),
    );
    window.Module = {
      print: out,
      printErr: err,
      onExit: (code) => {
        result.exitCode = code;
        finish();
      },
      onAbort: (what) => fail(`aborted: ${what}`),
    };
    const s = document.createElement('script');
    s.src = `/mt/examples/${script}`;
    s.onerror = () => fail(`could not load ${s.src}`);
    document.body.appendChild(s);
  } else {
    fail(`bad build '${build}' (el or mt)`);
  }
})();

// Each seed example in JavaScript runs as a child process and must print exactly what its C++
// twin prints (examples/seed/expected/<name>.txt). The examples import weir-runtime by name:
// from this directory's node_modules (npm install here, or the packed tarball installed into a
// copy of this directory; WEIR_SEED_EXPECTED then names the expected outputs' directory).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = fileURLToPath(new URL('.', import.meta.url));
const expectedDir = process.env.WEIR_SEED_EXPECTED ?? path.join(here, '..', 'seed', 'expected');

const EXAMPLES = ['seed_streams', 'seed_runtime', 'seed_cancellation', 'seed_errors', 'seed_async_iterator'];

function run(file) {
  return new Promise((resolve) => {
    execFile(process.execPath, [file], { cwd: here, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (err.code ?? err.signal ?? 1) : 0, stdout, stderr });
    });
  });
}

for (const name of EXAMPLES) {
  test(`${name}_prints_what_its_cpp_twin_prints`, { timeout: 90_000 }, async () => {
    const expected = readFileSync(path.join(expectedDir, `${name}.txt`), 'utf8');
    const r = await run(path.join(here, `${name}.mjs`));
    assert.equal(r.code, 0, `${name}.mjs exited with ${r.code}:\n${r.stderr}`);
    assert.equal(r.stdout, expected, `${name}.mjs printed something else (stderr:\n${r.stderr})`);
  });
}

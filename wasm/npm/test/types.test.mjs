// The type declarations (index.d.ts) against a typed program (types/example.ts): it must compile
// with `tsc -p test/types --strict --noEmit`, its `@ts-expect-error` lines included (each must
// still be an error). TypeScript is a devDependency; it is found from this file's location, so
// the test runs the same in the source tree and in a project where it is installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const project = fileURLToPath(new URL('./types/', import.meta.url));

function tscPath() {
  try {
    return createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    return null;
  }
}

test('type_declarations_compile_the_typed_example_under_strict', { timeout: 180_000 }, async () => {
  const tsc = tscPath();
  assert.ok(tsc, 'typescript is not installed where this test can find it (npm install --include=dev)');
  const { code, output } = await new Promise((resolve) => {
    execFile(process.execPath, [tsc, '-p', project, '--strict', '--noEmit'], { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      resolve({ code: err ? (err.code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
  assert.equal(code, 0, `tsc -p ${project} --strict --noEmit failed:\n${output}`);
});

// What the browser suite loads from the two WebAssembly builds, and a clear failure when a build
// is missing (scripts/test.sh's browser suite builds them; by hand: see README.md).
import fs from 'node:fs';
import path from 'node:path';
import { REPO } from './server.mjs';

export const SEEDS = [
  'seed_streams',
  'seed_runtime',
  'seed_cancellation',
  'seed_errors',
  'seed_async_iterator',
];

export const BUILDS = {
  el: {
    label: 'event-loop build',
    dir: path.join(REPO, 'build/wasm-event-loop'),
    how:
      'source scripts/lib/deps.sh; weir_in_trixie . sh -c ' +
      "'cmake --preset wasm-event-loop && cmake --build --preset wasm-event-loop'",
  },
  mt: {
    label: 'threads build',
    dir: path.join(REPO, 'build/wasm'),
    how: 'cmake --preset wasm && cmake --build --preset wasm',
  },
};

export function seedScript(build, name) {
  return path.join(BUILDS[build].dir, 'examples', `weir-${name.replace(/_/g, '-')}.js`);
}

export function probeScript(build) {
  return path.join(BUILDS[build].dir, 'tests', 'probe.js');
}

export function expectedOutput(name) {
  return fs.readFileSync(path.join(REPO, 'examples/seed/expected', `${name}.txt`), 'utf8');
}

/** Throws, saying how to build it, if a file of a build is missing. */
export function requireBuilt(build, file) {
  if (!fs.existsSync(file) || !fs.existsSync(file.replace(/\.js$/, '.wasm'))) {
    throw new Error(
      `${file} (or its .wasm) is missing: build the ${BUILDS[build].label} first ` +
        `(${BUILDS[build].how})`,
    );
  }
}

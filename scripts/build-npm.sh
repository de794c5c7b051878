#!/usr/bin/env bash
# Builds the npm package weir-runtime (wasm/npm) into wasm/npm/dist: its two wasm modules,
# weir-threads.mjs and weir-event-loop.mjs (each with its .wasm), built with Emscripten 3.1.69 in
# the trixie chroot (scripts/lib/deps.sh). First the job runner that runs stage functions inside
# every thread of a module is bundled (esbuild, from wasm/npm's dev dependencies) into one script
# that the modules include as --pre-js. Installs what is missing (the chroot, `npm ci`).
#
#   scripts/build-npm.sh            # then: cd wasm/npm && npm pack
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
# shellcheck source=SCRIPTDIR/lib/deps.sh
source scripts/lib/deps.sh
weir_ensure_packages nodejs
weir_ensure_trixie_emscripten >/dev/null

# npm ci when node_modules is missing or older than the lock file.
if [[ ! -f wasm/npm/node_modules/.package-lock.json ||
    wasm/npm/package-lock.json -nt wasm/npm/node_modules/.package-lock.json ]]; then
    (cd wasm/npm && npm ci --no-audit --no-fund)
fi

mkdir -p build/npm
GLUE=$ROOT/build/npm/glue.js
# The footer runs inside the module's factory, where wasmMemory, _malloc and _free are in scope.
wasm/npm/node_modules/.bin/esbuild wasm/npm/glue/entry.mjs --bundle --format=iife \
    --global-name=weirGlue --target=es2022 --log-level=warning --outfile="$GLUE.tmp" \
    --footer:js='var weirJobRunner = weirGlue.makeRunner({ memory: () => wasmMemory, malloc: (n) => _malloc(n), free: (p) => _free(p) }); Module["weirJobRunner"] = weirJobRunner;'
# Node's pool workers must not inherit flags that stop them (glue/node_workers.js).
cat wasm/npm/glue/node_workers.js >>"$GLUE.tmp"
# Only a changed bundle relinks the modules.
if ! cmp -s "$GLUE.tmp" "$GLUE"; then mv "$GLUE.tmp" "$GLUE"; else rm "$GLUE.tmp"; fi

for preset in wasm-threads wasm-event-loop; do
    weir_in_trixie "$ROOT" sh -c "cmake --preset $preset -DWEIR_NPM_GLUE=$GLUE >/dev/null && \
        cmake --build --preset $preset --target weir-npm"
done

mkdir -p wasm/npm/dist
for f in build/wasm-threads/wasm/weir-threads build/wasm-event-loop/wasm/weir-event-loop; do
    cp "$f.mjs" "$f.wasm" wasm/npm/dist/
done
echo "weir-runtime: built $(ls wasm/npm/dist | tr '\n' ' ')"

#!/usr/bin/env bash
# Builds weir in Release (CMake preset `release`) and runs the demo, build/release/examples/weir-demo,
# then the five seed examples (examples/seed/: streams, runtime, cancellation, errors, async
# iterator), each under a heading line. Then it serves the browser playground (web/): it builds
# what is missing or older than its sources (the npm package's wasm modules with
# scripts/build-npm.sh, then the page with `node web/build.mjs` after `npm ci` in web/), and runs
# web/server.mjs in the foreground, printing its URL (http://127.0.0.1:8317/, or WEIR_PORT), until
# Ctrl+C.
# Works on a fresh Debian 12 machine: missing packages are installed first (scripts/lib/deps.sh).
# Arguments are passed on to the demo.
#
#   WEIR_PORT=9000 scripts/run.sh        # serve on another port (0: a free one)
#   WEIR_RUN_NO_SERVE=1 scripts/run.sh   # build everything, check the server answers, do not serve
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=SCRIPTDIR/lib/deps.sh
source scripts/lib/deps.sh

weir_ensure_packages "${WEIR_DEPS_ALL[@]}"

cmake --preset release
cmake --build --preset release -j 2

BIN=build/release/examples

echo "== weir-demo: a narrated tour of the runtime"
"$BIN/weir-demo" "$@"

SEEDS=(
    "streams:stream processing (map + buffered + filter + collect)"
    "runtime:1000 spawned tasks and join_all"
    "cancellation:a child cancellation token stops a ticking task"
    "errors:try_join, all succeed and then one fails"
    "async-iterator:then + chunks + buffered over an async iterator"
)
for seed in "${SEEDS[@]}"; do
    name=${seed%%:*}
    echo
    echo "== weir-seed-$name: ${seed#*:}"
    "$BIN/weir-seed-$name"
done

# ---- the playground ----
echo
if [[ ! -f web/build.mjs ]]; then
    echo "== playground: not built (web/build.mjs does not exist yet); nothing to serve"
    exit 0
fi
command -v npm >/dev/null 2>&1 || weir_ensure_packages npm

# weir_stale OUTPUT_DIR INPUT...: true when OUTPUT_DIR has no file or an input file is newer than
# its oldest file (so a build that stopped half-way is built again).
weir_stale() {
    local out=$1 oldest
    shift
    oldest=$(find "$out" -type f -printf '%T@ %p\n' 2>/dev/null | sort -n | sed -n '1s/^[^ ]* //p')
    [[ -z $oldest ]] && return 0
    [[ -n $(find "$@" -type f -newer "$oldest" -not -path '*/node_modules/*' -print -quit 2>/dev/null) ]]
}

# The npm package's wasm modules: from the C++ core, the wasm layer, the bindings and the glue.
if weir_stale wasm/npm/dist core backends wasm/include wasm/src wasm/CMakeLists.txt \
    wasm/npm/bindings wasm/npm/glue wasm/npm/package-lock.json CMakeLists.txt CMakePresets.json cmake; then
    echo "== playground: building the npm package's wasm modules (scripts/build-npm.sh)"
    scripts/build-npm.sh
fi

# The page: its own sources, and the package it bundles as a user would.
if [[ ! -f web/node_modules/.package-lock.json ||
    web/package-lock.json -nt web/node_modules/.package-lock.json ]]; then
    (cd web && npm ci --no-audit --no-fund)
fi
if weir_stale web/dist web/src web/build.mjs web/package.json web/package-lock.json \
    wasm/npm/src wasm/npm/dist wasm/npm/index.d.ts wasm/npm/types wasm/npm/package.json; then
    echo "== playground: building web/dist (node web/build.mjs)"
    node web/build.mjs
fi

if [[ ${WEIR_RUN_NO_SERVE:-} == 1 ]]; then
    echo "== playground: built in web/dist; not serving (WEIR_RUN_NO_SERVE=1)"
    node web/server.mjs --check
    echo "   serve it with: node web/server.mjs   (or scripts/run.sh without WEIR_RUN_NO_SERVE)"
    exit 0
fi
echo "== playground: open the URL below in a browser"
exec node web/server.mjs

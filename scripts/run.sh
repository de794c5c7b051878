#!/usr/bin/env bash
# Builds weir in Release (CMake preset `release`) and runs the demo, build/release/examples/weir-demo,
# then the five seed examples (examples/seed/: streams, runtime, cancellation, errors, async
# iterator), each under a heading line.
# Works on a fresh Debian 12 machine: missing packages are installed first (scripts/lib/deps.sh).
# Arguments are passed on to the demo.
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

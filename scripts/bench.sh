#!/usr/bin/env bash
# Runs weir's benchmark suite beside tokio and Boost.Asio, in one invocation of the peers' runner
# (../shared/peers/run.sh, whose README is the specification), and prints, for each worker count,
# a table of medians with the weir/tokio and weir/asio ratios taken from that same run. Ratios
# below 1 mean weir is faster (every value is a time).
#
#   scripts/bench.sh                          # full suite, 2 then 1 workers (a few minutes)
#   PEERS_SCALE=0.3 scripts/bench.sh          # fewer samples
#   PEERS_WORKERS=2 PEERS_ONLY=ping_pong,yield_many scripts/bench.sh
#
# The raw lines are kept in build/bench/run-<time>.txt; the table is printed as Markdown. Then
# the memory per idle spawned task, for weir (bench/idle_tasks.cpp) and tokio (its twin in
# bench/peers-extra/idle_tasks, built offline by cargo into build/bench/).
# Installs what is missing first (Debian packages: the Rust toolchain and crates for the tokio
# peer, plus weir's own build dependencies).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
# shellcheck source=SCRIPTDIR/lib/deps.sh
source scripts/lib/deps.sh
weir_ensure_packages cmake ninja-build g++ liburing-dev libboost1.81-dev "${WEIR_DEPS_BENCH[@]}"

PEERS=${WEIR_PEERS_DIR:-$ROOT/../shared/peers}
if [[ ! -x $PEERS/run.sh ]]; then
    echo "scripts/bench.sh: the peers' runner is not at $PEERS/run.sh (set WEIR_PEERS_DIR)" >&2
    exit 2
fi

cmake --preset release >/dev/null
cmake --build --preset release --target weir-bench weir-idle-tasks
mkdir -p build/bench
RAW=build/bench/run-$(date +%Y%m%dT%H%M%S).txt
PEERS_EXTRA="$ROOT/build/release/bench/weir-bench" "$PEERS/run.sh" | tee "$RAW"

echo
echo "machine: $(nproc) CPUs, $(uname -r); raw lines: $RAW"
scripts/lib/ratio_table.awk "$RAW"

# Memory per idle task (1,000,000 tasks waiting on one notify), weir and its tokio twin.
echo
echo "memory per idle spawned task (1,000,000 tasks waiting on one notify, 2 workers):"
(cd bench/peers-extra/idle_tasks &&
    CARGO_TARGET_DIR="$ROOT/build/bench/cargo-target" cargo build --release --offline -q)
"$ROOT/build/release/bench/weir-idle-tasks" | tee -a "$RAW"
"$ROOT/build/bench/cargo-target/release/idle-tasks-tokio" | tee -a "$RAW"

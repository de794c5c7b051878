#!/usr/bin/env bash
# Runs weir's benchmark suite beside tokio and Boost.Asio, in one invocation of the peers' runner
# (../shared/peers/run.sh, whose README is the specification), and prints, for each worker count,
# a table of medians with the weir/tokio and weir/asio ratios taken from that same run. Ratios
# below 1 mean weir is faster (every value is a time).
#
#   scripts/bench.sh                          # full suite, 2 then 1 workers (a few minutes)
#   PEERS_SCALE=0.3 scripts/bench.sh          # fewer samples
#   PEERS_WORKERS=2 PEERS_ONLY=ping_pong,yield_many scripts/bench.sh
#   WEIR_BENCH_SECTIONS=wasm scripts/bench.sh # only the WebAssembly section (below)
#   WEIR_WASM_ROUNDS=1 WEIR_BENCH_SECTIONS=wasm scripts/bench.sh  # one round of it, not three
#   WEIR_PEERS_EXTRA=/path/to/other-bench scripts/bench.sh   # one more system in the peers run
#
# The raw lines are kept in build/bench/run-<time>.txt; the table is printed as Markdown. Then
# the memory per idle spawned task, for weir (bench/idle_tasks.cpp) and tokio (its twin in
# bench/peers-extra/idle_tasks, built offline by cargo into build/bench/).
# Last, the WebAssembly section: weir-bench built with Emscripten 3.1.69 (the trixie chroot of
# scripts/lib/deps.sh) for the threads backend and for the event-loop backend, run under Node
# beside the native weir-bench in one invocation of the same runner (interleaved per benchmark),
# and a table of each with its ratio wasm/native (2 and 1 workers; the event-loop build has one).
# Then the npm section: ../shared/peers/npm/run.mjs (copied out to build/npm-peers, `npm ci`)
# with weir-runtime's systems (bench/npm/systems.mjs) added beside workerpool, piscina, RxJS,
# p-map and the rest, all in one run.
# WEIR_BENCH_SECTIONS picks sections: "peers idle wasm npm" (the default) or a subset.
# Installs what is missing first (Debian packages: the Rust toolchain and crates for the tokio
# peer, plus weir's own build dependencies).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
# shellcheck source=SCRIPTDIR/lib/deps.sh
source scripts/lib/deps.sh
weir_ensure_packages cmake ninja-build g++ liburing-dev libboost1.81-dev "${WEIR_DEPS_BENCH[@]}"
SECTIONS=" ${WEIR_BENCH_SECTIONS:-peers idle wasm npm} "
section() { [[ $SECTIONS == *" $1 "* ]]; }

PEERS=${WEIR_PEERS_DIR:-$ROOT/../shared/peers}
if [[ ! -x $PEERS/run.sh ]]; then
    echo "scripts/bench.sh: the peers' runner is not at $PEERS/run.sh (set WEIR_PEERS_DIR)" >&2
    exit 2
fi

cmake --preset release >/dev/null
cmake --build --preset release --target weir-bench weir-idle-tasks
mkdir -p build/bench
RAW=build/bench/run-$(date +%Y%m%dT%H%M%S).txt
: >"$RAW"

if section peers; then
    # WEIR_PEERS_EXTRA: more systems beside weir, e.g. an older weir-bench behind a wrapper
    # that names itself weir_before-wN (its lines are kept raw; the table shows weir).
    PEERS_EXTRA="$ROOT/build/release/bench/weir-bench ${WEIR_PEERS_EXTRA:-}" "$PEERS/run.sh" |
        tee -a "$RAW"
    echo
    echo "machine: $(nproc) CPUs, $(uname -r); raw lines: $RAW"
    scripts/lib/ratio_table.awk "$RAW"
fi

if section idle; then
    # Memory per idle task (1,000,000 tasks waiting on one notify), weir and its tokio twin.
    echo
    echo "memory per idle spawned task (1,000,000 tasks waiting on one notify, 2 workers):"
    (cd bench/peers-extra/idle_tasks &&
        CARGO_TARGET_DIR="$ROOT/build/bench/cargo-target" cargo build --release --offline -q)
    "$ROOT/build/release/bench/weir-idle-tasks" | tee -a "$RAW"
    "$ROOT/build/bench/cargo-target/release/idle-tasks-tokio" | tee -a "$RAW"
fi

if section wasm; then
    # Benchmarks 1-9 (WebAssembly has no sockets: no tcp_echo_loopback), each wasm build as a
    # system of its own beside native weir. The wrappers give each build its system name; the
    # event-loop build only answers for one worker. Each wasm benchmark first runs untimed for
    # WEIR_WASM_ENGINE_WARMUP_MS (300 by default; 0 measures V8's first, unoptimized code too),
    # after the warm-up iterations the specification asks for: V8 optimizes a wasm function
    # only once it has run a while, which the short benchmarks do not reach in their own
    # iterations (bench/weir_bench/harness.hpp). Native weir runs exactly to the specification.
    weir_ensure_trixie_emscripten
    for preset in wasm-threads wasm-event-loop; do
        weir_in_trixie "$ROOT" sh -c "cmake --preset $preset >/dev/null && \
            cmake --build --preset $preset --target weir-bench"
    done
    WARMUP_MS=${WEIR_WASM_ENGINE_WARMUP_MS:-300}
    for kind in threads event_loop; do
        dir=${kind//_/-}
        cat >"build/bench/wasm_$kind" <<SH
#!/bin/sh
# weir-bench of the wasm-$dir build under Node, as the system wasm_$kind (scripts/bench.sh).
w=1; prev=
for a in "\$@"; do [ "\$prev" = --workers ] && w=\$a; prev=\$a; done
if [ "$kind" = event_loop ] && [ "\$w" != 1 ]; then exit 0; fi
exec node "$ROOT/build/wasm-$dir/bench/weir-bench.js" "\$@" --name "wasm_$kind-w\$w" \\
    --engine-warmup-ms $WARMUP_MS
SH
        chmod +x "build/bench/wasm_$kind"
    done
    # WEIR_WASM_ROUNDS runs of the runner (3 by default), each marked `# round N` in the raw
    # lines: the table takes each ratio within a round and gives their median and range
    # (scripts/lib/wasm_ratio_table.awk says why).
    WASM_RAW=build/bench/wasm-$(date +%Y%m%dT%H%M%S).txt
    ROUNDS=${WEIR_WASM_ROUNDS:-3}
    if ! [[ $ROUNDS =~ ^[1-9][0-9]*$ ]]; then
        echo "bench.sh: WEIR_WASM_ROUNDS must be a whole number of rounds, 1 or more (got '$ROUNDS')" >&2
        exit 2
    fi
    : >"$WASM_RAW"
    for ((round = 1; round <= ROUNDS; round++)); do
        echo "# round $round" | tee -a "$WASM_RAW"
        PEERS_SYSTEMS=none \
            PEERS_ONLY=${PEERS_ONLY:-spawn_many_local,spawn_many_remote_idle,yield_many,ping_pong,chained_spawn,stream_pipeline,stream_pipeline_spawn,join_all_1000,timers_100k,mpsc_throughput} \
            PEERS_EXTRA="$ROOT/build/release/bench/weir-bench $ROOT/build/bench/wasm_threads $ROOT/build/bench/wasm_event_loop" \
            "$PEERS/run.sh" | tee -a "$WASM_RAW"
    done
    cat "$WASM_RAW" >>"$RAW"
    echo
    echo "WebAssembly (Emscripten $(weir_trixie_emscripten_version), Node $(node --version), engine warm-up ${WARMUP_MS} ms) beside native weir, $ROUNDS rounds; raw lines: $WASM_RAW"
    scripts/lib/wasm_ratio_table.awk "$WASM_RAW"
fi

if section npm; then
    scripts/build-npm.sh
    NPM_PEERS=${WEIR_NPM_PEERS_DIR:-$PEERS/npm}
    # The peers' folder is read-only where it is shared: a copy, refreshed when it changes.
    if ! diff -rq --exclude=node_modules "$NPM_PEERS" build/npm-peers >/dev/null 2>&1; then
        rm -rf build/npm-peers
        cp -r "$NPM_PEERS" build/npm-peers
        rm -rf build/npm-peers/node_modules
    fi
    if [[ ! -d build/npm-peers/node_modules ]]; then
        (cd build/npm-peers && npm ci --no-audit --no-fund)
    fi
    NPM_RAW=build/bench/npm-$(date +%Y%m%dT%H%M%S).txt
    (cd build/npm-peers &&
        NPM_PEERS_EXTRA="$ROOT/bench/npm/systems.mjs" node run.mjs ${NPM_PEERS_ARGS:-}) | tee "$NPM_RAW"
    cat "$NPM_RAW" >>"$RAW"
    echo
    echo "npm benchmarks (Node $(node --version)); raw lines: $NPM_RAW"
fi

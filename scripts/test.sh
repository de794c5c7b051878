#!/usr/bin/env bash
# Builds and tests weir in every configuration CI checks, one CMake preset per suite:
#   native  g++ Debug: the Catch2 suite and the install/consumer test
#   asan    clang++-14 with AddressSanitizer + UndefinedBehaviorSanitizer
#   tsan    clang++-14 with ThreadSanitizer
#   wasm    em++ 3.1.6 (Emscripten pthreads: Debian 12's, the floor), tests run under Node
#   wasm-event-loop  em++ 3.1.69 (Debian trixie, in a chroot: scripts/lib/deps.sh) without
#           threads: the runtime in slices on Node's event loop; the Catch2 suite less the tests
#           tagged [threads], and the JavaScript tests of tests/wasm/*.test.mjs (node --test);
#           then scripts/lib/event_loop_name_coverage.py: every public name has a test there
#   npm     the npm package weir-runtime (wasm/npm; scripts/build-npm.sh builds its two wasm
#           modules with 3.1.69): packed with `npm pack`, installed from the tarball into a fresh
#           project, and tested there with node --test (its tests, the typed example under
#           tsc --strict, the seed examples of examples/node); prints the tarball's and each
#           .wasm's size and createRuntime's time
#   browser both WebAssembly builds (wasm, wasm-event-loop) in headless Chromium (Debian's, driven
#           by playwright-core from npm: tests/browser/): the seed examples' exact output from
#           each build (the event-loop build on a page without COOP/COEP, the threads build on a
#           cross-origin isolated one), block_on refused on a page's main thread, a pipeline
#           on the event-loop build leaving the page's timers and frames running, and the npm
#           package on each kind of page
#   windows mingw-w64 g++ cross build (Asio driver on IOCP), tests and examples run under Wine
# Works on a fresh Debian 12 machine: missing packages are installed first (scripts/lib/deps.sh).
# Every suite runs even if an earlier one failed; the exit status is non-zero if any failed.
#
#   scripts/test.sh                        # all suites
#   WEIR_SUITES="native asan" scripts/test.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
# shellcheck source=SCRIPTDIR/lib/deps.sh
source scripts/lib/deps.sh

ALL_SUITES=(native asan tsan wasm wasm-event-loop npm browser windows)
read -r -a SUITES <<<"${WEIR_SUITES:-${ALL_SUITES[*]}}"
for s in "${SUITES[@]}"; do
    case " ${ALL_SUITES[*]} " in
    *" $s "*) ;;
    *)
        echo "scripts/test.sh: unknown suite '$s' in WEIR_SUITES (known: ${ALL_SUITES[*]})" >&2
        exit 2
        ;;
    esac
done
if ((${#SUITES[@]} == 0)); then
    echo "scripts/test.sh: WEIR_SUITES selects no suite" >&2
    exit 2
fi

JOBS=2

banner() {
    echo
    echo "=================================================================================="
    echo "== $*"
    echo "=================================================================================="
}

# The suites built with Emscripten 3.1.69, which lives in the trixie chroot.
needs_trixie() {
    [[ $1 == wasm-event-loop || $1 == browser || $1 == npm ]]
}

banner "dependencies"
weir_ensure_packages "${WEIR_DEPS_ALL[@]}"
NEED_TRIXIE=0
for s in "${SUITES[@]}"; do
    if needs_trixie "$s"; then
        NEED_TRIXIE=1
    fi
    if [[ $s == npm ]]; then
        command -v npm >/dev/null 2>&1 || weir_ensure_packages npm
    fi
    if [[ $s == browser ]]; then
        weir_ensure_packages "${WEIR_DEPS_BROWSER[@]}"
        command -v npm >/dev/null 2>&1 || weir_ensure_packages npm
    fi
done

# On a fresh machine the trixie chroot is a download and an install of its own (debootstrap,
# then Emscripten 3.1.69 with its LLVM), mostly waiting on the network and the disk: it is set up
# in the background while the first suites build, and waited for before the first suite that
# needs it. The host's packages come first: the background job must not run apt beside them.
TRIXIE_PID=""
TRIXIE_STATUS=ok
TRIXIE_LOG="$ROOT/build/trixie-setup.log"
if ((NEED_TRIXIE)); then
    weir_ensure_packages debootstrap
    mkdir -p "$ROOT/build"
    weir_ensure_trixie_emscripten >"$TRIXIE_LOG" 2>&1 &
    TRIXIE_PID=$!
    echo "trixie chroot: being set up in the background (log: $TRIXIE_LOG)"
fi

# Waits for the background setup of the chroot (once) and prints its log; later calls give the
# same answer, so every suite that needs the chroot fails if its setup did.
wait_for_trixie() {
    if [[ -z $TRIXIE_PID ]]; then
        [[ $TRIXIE_STATUS == ok ]]
        return
    fi
    local t=$SECONDS
    if ! wait "$TRIXIE_PID"; then
        TRIXIE_STATUS=failed
    fi
    TRIXIE_PID=""
    banner "dependencies: the trixie chroot (waited $((SECONDS - t))s)"
    tail -n 20 "$TRIXIE_LOG"
    [[ $TRIXIE_STATUS == ok ]]
}

# Sanitizer settings (also in CMakePresets.json, for `ctest --preset` run by hand).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
# Every em++ link needs it: Node here cannot find Debian's acorn without it.
export NODE_PATH=/usr/share/nodejs

# TSan's runtime (clang 14) refuses to start ("unexpected memory mapping") on kernels whose mmap
# randomisation uses more bits than it was built for. Probe once with a tiny program: if it only
# runs with ASLR off, run the tsan tests under `setarch -R` (the personality is inherited by ctest's
# children).
TSAN_PREFIX=()
probe_tsan() {
    local dir rc=0
    dir=$(mktemp -d)
    cat >"$dir/probe.cpp" <<'CPP'
#include <atomic>
#include <cstdio>
#include <thread>
int main() {
    std::atomic<int> n{0};
    std::thread a([&] { n++; }), b([&] { n++; });
    a.join();
    b.join();
    std::printf("tsan probe: %d\n", n.load());
    return n.load() == 2 ? 0 : 1;
}
CPP
    if ! clang++-14 -fsanitize=thread -O1 -g "$dir/probe.cpp" -o "$dir/probe" 2>"$dir/log"; then
        echo "tsan probe: could not compile:"
        cat "$dir/log"
        rm -rf "$dir"
        return 0  # the suite's own build will report it
    fi
    "$dir/probe" >"$dir/log" 2>&1 || rc=$?
    if ((rc == 0)); then
        echo "tsan probe: runs with ASLR on; setarch not needed"
    elif setarch "$(uname -m)" -R "$dir/probe" >/dev/null 2>&1; then
        echo "tsan probe: fails with ASLR on (rc $rc), runs under setarch -R; using it:"
        head -n 3 "$dir/log"
        TSAN_PREFIX=(setarch "$(uname -m)" -R)
    else
        echo "tsan probe: fails even under setarch -R (rc $rc):"
        head -n 5 "$dir/log"
    fi
    rm -rf "$dir"
}

declare -A RESULT TIMING

# The command prefix a suite's cmake and ctest run under: the trixie chroot for the suites built
# with Emscripten 3.1.69, nothing for the others.
suite_env() {
    case $1 in
    wasm-event-loop) echo weir_in_trixie "$ROOT" ;;
    *) echo "" ;;
    esac
}

# Configures a preset; if an existing build directory refuses (another compiler or generator in
# its cache), starts that directory afresh once.
configure() {
    local preset=$1 dir="$ROOT/build/$1"
    local env
    read -r -a env <<<"$(suite_env "$preset")"
    if "${env[@]}" cmake --preset "$preset"; then
        return 0
    fi
    if [[ -f "$dir/CMakeCache.txt" ]]; then
        echo "configure failed on an existing $dir; retrying from a clean cache"
        rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles"
        "${env[@]}" cmake --preset "$preset"
    else
        return 1
    fi
}

# After the event-loop suite: how many Catch2 tests it left out (tagged [threads]: they need a
# second OS thread), against the whole suite.
report_left_out() {
    local bin="$ROOT/build/wasm-event-loop/tests/weir_tests.js" all left
    all=$(node "$bin" --list-test-names-only --use-colour no | grep -c .)
    left=$(node "$bin" --list-test-names-only --use-colour no "[threads]" | grep -c .)
    echo "wasm-event-loop: left out $left of $all Catch2 tests (tagged [threads]:" \
        "$((100 * left / all))%)"
}

# Records a suite's status and timings (t0: when it started; then "step Ns" entries) and prints
# them; the summary shows them.
finish_suite() {
    local s=$1 status=$2 t0=$3
    shift 3
    RESULT[$s]=$status
    local IFS=,
    TIMING[$s]="$((SECONDS - t0))s: $*"
    TIMING[$s]=${TIMING[$s]//,/, }
    echo "-- suite $s: $status (${TIMING[$s]})"
}

run_suite() {
    local s=$1 status=ok t0=$SECONDS t
    local times=()
    banner "suite: $s"
    t=$SECONDS
    if ! configure "$s"; then
        status="FAILED (configure)"
    fi
    times+=("configure $((SECONDS - t))s")
    local env
    read -r -a env <<<"$(suite_env "$s")"
    if [[ $status == ok ]]; then
        t=$SECONDS
        if ! "${env[@]}" cmake --build --preset "$s" -j "$JOBS"; then
            status="FAILED (build)"
        fi
        times+=("build $((SECONDS - t))s")
    fi
    if [[ $status == ok ]]; then
        local runner=("${env[@]}")
        if [[ $s == tsan ]]; then
            probe_tsan
            runner=("${TSAN_PREFIX[@]}")
        fi
        t=$SECONDS
        if ! "${runner[@]}" ctest --preset "$s" --output-on-failure -j "$JOBS"; then
            status="FAILED (tests)"
        fi
        times+=("test $((SECONDS - t))s")
        if [[ $s == wasm-event-loop ]]; then
            report_left_out || status="FAILED (listing the tests)"
            # Every public name keeps a test that runs here (issue 13): the names uncovered, if any.
            if ! python3 scripts/lib/event_loop_name_coverage.py | sed -n '/^uncovered/,$p'; then
                if [[ $status == ok ]]; then
                    status="FAILED (a public name without a test on the event loop)"
                else
                    status+="; a public name without a test on the event loop"
                fi
            fi
        fi
    fi
    finish_suite "$s" "$status" "$t0" "${times[@]}"
}

# The browser suite's npm packages (playwright-core; with `web`, the playground's): `npm ci` when
# node_modules is missing or package-lock.json changed since the last install (a stamp in
# node_modules keeps its hash).
ensure_browser_node_modules() {
    local dir="$ROOT/${1:-tests/browser}" stamp="$ROOT/${1:-tests/browser}/node_modules/.weir-package-lock"
    local want
    want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
    if [[ -f $stamp && "$(cat "$stamp")" == "$want" ]]; then
        echo "browser: ${1:-tests/browser}/node_modules is up to date with package-lock.json"
        return 0
    fi
    (cd "$dir" && npm ci --no-audit --no-fund) || return 1
    echo "$want" >"$stamp"
}

# What the browser suite loads from each WebAssembly build: the seed examples and the probe.
BROWSER_TARGETS=(weir-seed-streams weir-seed-runtime weir-seed-cancellation weir-seed-errors
    weir-seed-async-iterator weir-probe)

# The browser suite: npm packages, the two WebAssembly builds (only the targets it loads; the
# event-loop one in the trixie chroot, as its own suite), then node --test in Chromium. The
# timeout is a backstop: every test has its own, and a hang must fail the suite, not stall CI.
run_browser_suite() {
    local s=browser status=ok t0=$SECONDS t p
    local times=() env
    banner "suite: $s"
    t=$SECONDS
    ensure_browser_node_modules || status="FAILED (npm ci)"
    times+=("npm $((SECONDS - t))s")
    if [[ $status == ok ]]; then
        t=$SECONDS
        for p in wasm wasm-event-loop; do
            if ! configure "$p"; then
                status="FAILED (configure $p)"
                break
            fi
            read -r -a env <<<"$(suite_env "$p")"
            if ! "${env[@]}" cmake --build --preset "$p" -j "$JOBS" --target "${BROWSER_TARGETS[@]}"; then
                status="FAILED (build $p)"
                break
            fi
        done
        # The npm package, which tests/browser/npm.test.mjs loads as a page would.
        if [[ $status == ok ]] && ! scripts/build-npm.sh; then
            status="FAILED (build npm)"
        fi
        # The playground (playground*.test.mjs): its packages (Monaco, esbuild), then web/dist.
        if [[ $status == ok ]] && ! { ensure_browser_node_modules web && node web/build.mjs; }; then
            status="FAILED (build playground)"
        fi
        times+=("build $((SECONDS - t))s")
    fi
    if [[ $status == ok ]]; then
        t=$SECONDS
        if ! timeout --kill-after=30 900 node --test --test-concurrency=1 --test-reporter=spec \
            tests/browser/ web/test/; then
            status="FAILED (tests)"
        fi
        times+=("test $((SECONDS - t))s")
    fi
    finish_suite "$s" "$status" "$t0" "${times[@]}"
}

# The npm suite: build the package (scripts/build-npm.sh), pack it, install the tarball into a
# fresh project with the package's tests and the JavaScript seed examples, and run them there,
# importing weir-runtime by name as a user would.
run_npm_suite() {
    local s=npm status=ok t0=$SECONDS t
    local times=()
    banner "suite: $s"
    t=$SECONDS
    scripts/build-npm.sh || status="FAILED (build)"
    times+=("build $((SECONDS - t))s")
    local project="$ROOT/build/npm/project" tarball=""
    if [[ $status == ok ]]; then
        t=$SECONDS
        rm -f build/npm/weir-runtime-*.tgz
        tarball=$(cd wasm/npm && npm pack --silent --pack-destination "$ROOT/build/npm" | tail -n 1)
        tarball="$ROOT/build/npm/$tarball"
        rm -rf "$project"
        mkdir -p "$project/test"
        # Tests of the public API import weir-runtime by name: they run in the project, against
        # the tarball. Unit tests of internal modules (they import ../src/...) and of the benchmark
        # entries (../../../bench/...) run in the tree.
        local f
        UNIT_TESTS=()
        for f in wasm/npm/test/*.test.mjs; do
            if grep -q -e "from '\.\./src/" -e "from '\.\./\.\./\.\./bench/" "$f"; then
                UNIT_TESTS+=("$f")
            else
                cp "$f" "$project/test/"
            fi
        done
        cp wasm/npm/test/helpers.mjs "$project/test/"
        cp -r wasm/npm/test/types "$project/test/types"
        mkdir -p "$project/examples"
        cp examples/node/*.mjs "$project/examples/"
        local ts
        ts=$(node -p "require('./wasm/npm/package.json').devDependencies.typescript")
        cat >"$project/package.json" <<JSON
{ "name": "weir-npm-suite", "private": true, "type": "module" }
JSON
        if ! (cd "$project" && npm install --no-audit --no-fund --silent "$tarball" "typescript@$ts"); then
            status="FAILED (install)"
        fi
        times+=("pack+install $((SECONDS - t))s")
    fi
    if [[ $status == ok ]]; then
        echo "npm: tarball $(basename "$tarball"): $(stat -c %s "$tarball") bytes"
        local f
        for f in "$project"/node_modules/weir-runtime/dist/*.wasm; do
            echo "npm: $(basename "$f"): $(stat -c %s "$f") bytes"
        done
        (cd "$project" && node --input-type=module -e "
            import { createRuntime } from 'weir-runtime';
            for (const backend of ['threads', 'event-loop']) {
              const t0 = performance.now();
              const rt = await createRuntime({ backend, workers: 2 });
              console.log('npm: createRuntime ' + backend + ': ' + (performance.now() - t0).toFixed(1) + ' ms');
              await rt.close();
            }") || status="FAILED (createRuntime)"
    fi
    if [[ $status == ok ]]; then
        t=$SECONDS
        if ((${#UNIT_TESTS[@]})) && ! timeout --kill-after=30 600 node --test "${UNIT_TESTS[@]}"; then
            status="FAILED (unit tests)"
        fi
        if ! (cd "$project" && WEIR_SEED_EXPECTED="$ROOT/examples/seed/expected" \
            timeout --kill-after=30 1200 node --test --test-reporter=spec test/ examples/); then
            status="FAILED (tests)"
        fi
        times+=("test $((SECONDS - t))s")
    fi
    finish_suite "$s" "$status" "$t0" "${times[@]}"
}

for s in "${SUITES[@]}"; do
    if needs_trixie "$s" && ! wait_for_trixie; then
        RESULT[$s]="FAILED (setting up the trixie chroot: $TRIXIE_LOG)"
        TIMING[$s]="0s"
        continue
    fi
    if [[ $s == browser ]]; then
        run_browser_suite
    elif [[ $s == npm ]]; then
        run_npm_suite
    else
        run_suite "$s"
    fi
done

banner "summary"
passed=0
failed=0
for s in "${SUITES[@]}"; do
    if [[ "${RESULT[$s]}" == ok ]]; then
        passed=$((passed + 1))
        printf '%-15s PASSED  (%s)\n' "$s" "${TIMING[$s]}"
    else
        failed=$((failed + 1))
        printf '%-15s %s  (%s)\n' "$s" "${RESULT[$s]}" "${TIMING[$s]}"
    fi
done
echo "$passed passed, $failed failed"
((failed == 0))

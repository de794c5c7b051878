#!/usr/bin/env bash
# Builds and tests weir in every configuration CI checks, one CMake preset per suite:
#   native  g++ Debug: the Catch2 suite and the install/consumer test
#   asan    clang++-14 with AddressSanitizer + UndefinedBehaviorSanitizer
#   tsan    clang++-14 with ThreadSanitizer
#   wasm    em++ (Emscripten pthreads), tests run under Node
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

ALL_SUITES=(native asan tsan wasm windows)
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

banner "dependencies"
weir_ensure_packages "${WEIR_DEPS_ALL[@]}"

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

# Configures a preset; if an existing build directory refuses (another compiler or generator in
# its cache), starts that directory afresh once.
configure() {
    local preset=$1 dir="$ROOT/build/$1"
    if cmake --preset "$preset"; then
        return 0
    fi
    if [[ -f "$dir/CMakeCache.txt" ]]; then
        echo "configure failed on an existing $dir; retrying from a clean cache"
        rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles"
        cmake --preset "$preset"
    else
        return 1
    fi
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
    if [[ $status == ok ]]; then
        t=$SECONDS
        if ! cmake --build --preset "$s" -j "$JOBS"; then
            status="FAILED (build)"
        fi
        times+=("build $((SECONDS - t))s")
    fi
    if [[ $status == ok ]]; then
        local runner=()
        if [[ $s == tsan ]]; then
            probe_tsan
            runner=("${TSAN_PREFIX[@]}")
        fi
        t=$SECONDS
        if ! "${runner[@]}" ctest --preset "$s" --output-on-failure -j "$JOBS"; then
            status="FAILED (tests)"
        fi
        times+=("test $((SECONDS - t))s")
    fi
    RESULT[$s]=$status
    local IFS=,
    TIMING[$s]="$((SECONDS - t0))s: ${times[*]}"
    TIMING[$s]=${TIMING[$s]//,/, }
    echo "-- suite $s: $status (${TIMING[$s]})"
}

for s in "${SUITES[@]}"; do
    run_suite "$s"
done

banner "summary"
passed=0
failed=0
for s in "${SUITES[@]}"; do
    if [[ "${RESULT[$s]}" == ok ]]; then
        passed=$((passed + 1))
        printf '%-7s PASSED  (%s)\n' "$s" "${TIMING[$s]}"
    else
        failed=$((failed + 1))
        printf '%-7s %s  (%s)\n' "$s" "${RESULT[$s]}" "${TIMING[$s]}"
    fi
done
echo "$passed passed, $failed failed"
((failed == 0))

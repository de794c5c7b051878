# shellcheck shell=bash
# Sourced by scripts/test.sh and scripts/run.sh: installs the Debian 12 packages weir needs to
# build and test, and nothing that is already there. `apt-get update` runs once, and only when
# something is missing, so on a machine that has everything this costs one dpkg-query.

# Everything a full build needs: native (g++ 12), sanitizers (clang 14 + its runtimes), tests
# (Catch2 2), wasm (em++ and Node), the install test (pkg-config), the I/O backends (liburing,
# Boost.Asio headers), and the Windows build (mingw-w64 with std::thread, run under Wine).
WEIR_DEPS_ALL=(
    cmake ninja-build g++ clang-14 libclang-rt-14-dev catch2 emscripten nodejs pkg-config
    liburing-dev libboost1.81-dev g++-mingw-w64-x86-64-posix wine64
)

# Only for scripts/bench.sh: the tokio peer is built offline by Debian's cargo against the crates
# Debian vendors (../shared/peers/README.md).
WEIR_DEPS_BENCH=(
    cargo librust-tokio-dev librust-futures-dev librust-tokio-stream-dev librust-tokio-util-dev
)

# Prints the packages of "$@" that are not installed, one per line.
weir_missing_packages() {
    local pkg status
    for pkg in "$@"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
        if [[ "$status" != "installed" ]]; then
            printf '%s\n' "$pkg"
        fi
    done
}

# Installs whichever of "$@" (default: WEIR_DEPS_ALL) is missing.
weir_ensure_packages() {
    local wanted=("$@")
    if ((${#wanted[@]} == 0)); then
        wanted=("${WEIR_DEPS_ALL[@]}")
    fi
    if ! command -v dpkg-query >/dev/null 2>&1; then
        echo "weir: dpkg-query not found; this script installs packages on Debian 12 only." >&2
        echo "weir: install these yourself and retry: ${wanted[*]}" >&2
        return 1
    fi
    local missing
    mapfile -t missing < <(weir_missing_packages "${wanted[@]}")
    if ((${#missing[@]} == 0)); then
        echo "weir: all required packages are installed"
        return 0
    fi
    echo "weir: installing missing packages: ${missing[*]}"
    local sudo=()
    if ((EUID != 0)); then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            echo "weir: not root and no sudo; install these yourself: ${missing[*]}" >&2
            return 1
        fi
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends "${missing[@]}"
    mapfile -t missing < <(weir_missing_packages "${wanted[@]}")
    if ((${#missing[@]} != 0)); then
        echo "weir: still missing after apt-get install: ${missing[*]}" >&2
        return 1
    fi
}

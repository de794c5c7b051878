# shellcheck shell=bash
# Sourced by scripts/test.sh and scripts/run.sh: installs the Debian 12 packages weir needs to
# build and test, and nothing that is already there. `apt-get update` runs once, and only when
# something is missing, so on a machine that has everything this costs one dpkg-query.

# Everything a full build needs: native (g++ 12), sanitizers (clang 14 + its runtimes), tests
# (Catch2 2), wasm (em++ and Node), the install test (pkg-config), the I/O backends (liburing,
# Boost.Asio headers), the Windows build (mingw-w64 with std::thread, linked by lld, run under
# Wine), and python3 for scripts/lib/event_loop_name_coverage.py (emscripten pulls it in too).
WEIR_DEPS_ALL=(
    cmake ninja-build g++ clang-14 libclang-rt-14-dev catch2 emscripten nodejs pkg-config
    liburing-dev libboost1.81-dev g++-mingw-w64-x86-64-posix lld wine64 python3
)

# Only for the browser suite of scripts/test.sh (tests/browser/): Debian's Chromium, which
# playwright-core drives headless (no browser download). Large (about 350 MB installed), so it is
# installed only when that suite runs. npm comes with Node here; where Node is Debian's own, npm is
# a package of its own (scripts/test.sh installs it if `npm` is missing).
WEIR_DEPS_BROWSER=(chromium)

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

# ---- Emscripten 3.1.69 (Debian trixie) in a chroot ----
# The WebAssembly that ships (the npm package, the playground, the event-loop suite) is built
# with trixie's Emscripten 3.1.69 (clang 19): native wasm exceptions that catch correctly, real
# <coroutine>, ES-module output Node imports as is (../shared/notes/toolchain.md sections 11-12).
# Debian 12 only packages 3.1.6, which stays the tested floor (the `wasm` suite). The chroot is
# made once per machine from Debian's own archive (debootstrap, about 2 minutes, 3 GB) and used
# through weir_in_trixie, which bind-mounts the repository at its own path in a private mount
# namespace: nothing leaks into the host's mounts, concurrent builds do not collide.
# llvm-19-dev: the headers the pass plugin wasm/toolchain/eh_pad_entry_split.cpp is built with
# (cmake/wasm-eh-pad-plugin.cmake), which works around a clang 19 wasm-exceptions defect.
WEIR_TRIXIE_ROOT=${WEIR_TRIXIE_ROOT:-/opt/weir/trixie-root}
WEIR_TRIXIE_PACKAGES=(emscripten cmake ninja-build nodejs llvm-19-dev)
WEIR_TRIXIE_MIRROR=${WEIR_TRIXIE_MIRROR:-http://deb.debian.org/debian}

# Sets up the chroot if it is missing or incomplete. Needs root (or sudo).
weir_ensure_trixie_emscripten() {
    local root=$WEIR_TRIXIE_ROOT marker="$WEIR_TRIXIE_ROOT/.weir-ready"
    local want="${WEIR_TRIXIE_PACKAGES[*]}"
    if [[ -f $marker && "$(cat "$marker")" == "$want" ]]; then
        echo "weir: Emscripten $(weir_trixie_emscripten_version) ready in $root"
        return 0
    fi
    local sudo=()
    if ((EUID != 0)); then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            echo "weir: setting up $root needs root or sudo" >&2
            return 1
        fi
    fi
    weir_ensure_packages debootstrap
    echo "weir: setting up Debian trixie with Emscripten in $root (once per machine)"
    if [[ ! -x $root/usr/bin/apt-get ]]; then
        "${sudo[@]}" rm -rf "$root.tmp"
        "${sudo[@]}" mkdir -p "$(dirname "$root")"
        "${sudo[@]}" debootstrap --variant=minbase trixie "$root.tmp" "$WEIR_TRIXIE_MIRROR" ||
            return 1
        "${sudo[@]}" rm -rf "$root"
        "${sudo[@]}" mv "$root.tmp" "$root"
    fi
    # shellcheck disable=SC2016
    "${sudo[@]}" unshare --mount --propagation private sh -c '
        set -e
        mount -t proc proc "$1/proc"
        root=$1; shift
        chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
            apt-get update
        chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
            apt-get install -y --no-install-recommends "$@"
        chroot "$root" apt-get clean
    ' _ "$root" "${WEIR_TRIXIE_PACKAGES[@]}" || return 1
    echo "$want" | "${sudo[@]}" tee "$marker" >/dev/null
    echo "weir: Emscripten $(weir_trixie_emscripten_version) ready in $root"
}

weir_trixie_emscripten_version() {
    cat "$WEIR_TRIXIE_ROOT/usr/share/emscripten/emscripten-version.txt" 2>/dev/null | tr -d '"'
}

# weir_in_trixie DIR CMD [ARGS...]: runs CMD in the chroot, in DIR (a path inside the repository,
# which is mounted at the same path), with a clean environment plus NODE_PATH and CI. The host's
# Catch2 2 headers and CMake module are mounted where the chroot's CMake finds them (trixie ships
# Catch2 3, which the suite does not use).
weir_in_trixie() {
    local dir=$1
    shift
    local repo
    repo=$(git -C "$dir" rev-parse --show-toplevel 2>/dev/null || (cd "$dir" && pwd))
    local sudo=()
    ((EUID == 0)) || sudo=(sudo)
    # shellcheck disable=SC2016
    "${sudo[@]}" unshare --mount --propagation private sh -c '
        set -e
        root=$1 repo=$2 dir=$3 uid=$4 gid=$5; shift 5
        mkdir -p "$root$repo" "$root/usr/include/catch2" "$root/usr/lib/cmake/Catch2"
        mount --bind "$repo" "$root$repo"
        mount -t proc proc "$root/proc"
        if [ -d /usr/include/catch2 ]; then
            mount --bind /usr/include/catch2 "$root/usr/include/catch2"
            mount --bind /usr/lib/cmake/Catch2 "$root/usr/lib/cmake/Catch2"
        fi
        exec chroot --userspec="$uid:$gid" "$root" env -i PATH=/usr/bin:/bin HOME=/tmp \
            NODE_PATH=/usr/share/nodejs CI="${CI:-}" TERM=dumb \
            sh -c "cd \"\$0\" && exec \"\$@\"" "$dir" "$@"
    ' _ "$WEIR_TRIXIE_ROOT" "$repo" "$(cd "$dir" && pwd)" "$(id -u)" "$(id -g)" "$@"
}

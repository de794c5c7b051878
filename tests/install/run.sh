#!/usr/bin/env bash
# The install test (ctest: install_consumer). Installs a built weir into a temporary prefix, then
# builds tests/install/consumer/main.cpp against that prefix only, twice:
#   (a) as a CMake project: find_package(weir CONFIG REQUIRED) + weir::weir;
#   (b) with pkg-config: $CXX main.cpp $(pkg-config --cflags --libs weir);
# and runs both, expecting the line "consumer ok 10".
#
#   tests/install/run.sh <weir-build-dir> <c++-compiler>
set -euo pipefail

if (($# != 2)); then
    echo "usage: $0 <weir-build-dir> <c++-compiler>" >&2
    exit 2
fi
BUILD_DIR=$(cd "$1" && pwd)
CXX_COMPILER=$2
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC_DIR=$(cd "$HERE/../.." && pwd)
CONSUMER="$HERE/consumer"
EXPECTED="consumer ok 10"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/weir-install-test.XXXXXX")
cleanup() { rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
    echo "install_consumer: FAIL: $*" >&2
    exit 1
}
step() { echo "install_consumer: $*"; }

PREFIX="$TMP/prefix"

step "cmake --install $BUILD_DIR --prefix $PREFIX"
cmake --install "$BUILD_DIR" --prefix "$PREFIX" >"$TMP/install.log" 2>&1 || {
    cat "$TMP/install.log" >&2
    fail "cmake --install failed"
}

[[ -f "$PREFIX/include/weir/weir.hpp" ]] || fail "no include/weir/weir.hpp under the prefix"

# GNUInstallDirs picks lib/ or a multiarch lib/<triplet>/ depending on the platform: search.
PC_FILE=$(find "$PREFIX" -name weir.pc -path '*/pkgconfig/*' | head -n 1)
[[ -n "$PC_FILE" ]] || fail "weir.pc was not installed"
CONFIG_FILE=$(find "$PREFIX" -name weirConfig.cmake | head -n 1)
[[ -n "$CONFIG_FILE" ]] || fail "weirConfig.cmake was not installed"
PC_DIR=$(dirname "$PC_FILE")
LIB_DIR=$(dirname "$PC_DIR")
step "found $PC_FILE and $CONFIG_FILE"
ls "$LIB_DIR"/libweir.* >/dev/null 2>&1 || fail "no libweir.* in $LIB_DIR"

# The installed package must not point back into the source or build tree.
if grep -rlF -e "$SRC_DIR/core" -e "$BUILD_DIR" "$(dirname "$CONFIG_FILE")" "$PC_FILE"; then
    fail "installed CMake/pkg-config files refer to the source or build tree (files above)"
fi

check_output() {
    local what=$1 out=$2
    echo "$out"
    [[ "$out" == "$EXPECTED" ]] || fail "$what printed '$out', expected '$EXPECTED'"
}

# ---- (a) find_package(weir CONFIG) ----
GEN=()
if command -v ninja >/dev/null 2>&1; then GEN=(-G Ninja); fi
step "(a) CMake consumer: find_package(weir CONFIG REQUIRED)"
cmake -S "$CONSUMER" -B "$TMP/cmake-build" "${GEN[@]}" \
    -DCMAKE_CXX_COMPILER="$CXX_COMPILER" \
    -DCMAKE_PREFIX_PATH="$PREFIX" \
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
    -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF \
    >"$TMP/a-configure.log" 2>&1 || {
    cat "$TMP/a-configure.log" >&2
    fail "(a) configuring the consumer failed"
}
found=$(grep -E '^weir_DIR:' "$TMP/cmake-build/CMakeCache.txt" | cut -d= -f2-)
[[ "$found" == "$PREFIX"/* ]] || fail "(a) find_package found weir at '$found', not under $PREFIX"
cmake --build "$TMP/cmake-build" >"$TMP/a-build.log" 2>&1 || {
    cat "$TMP/a-build.log" >&2
    fail "(a) building the consumer failed"
}
out=$("$TMP/cmake-build/app") || fail "(a) the consumer exited with status $?"
check_output "(a) the CMake consumer" "$out"

# ---- (b) pkg-config ----
step "(b) pkg-config consumer: PKG_CONFIG_PATH=$PC_DIR"
command -v pkg-config >/dev/null 2>&1 || fail "pkg-config is not installed"
flags=$(PKG_CONFIG_PATH="$PC_DIR" pkg-config --cflags --libs weir) ||
    fail "(b) pkg-config --cflags --libs weir failed"
# The .pc must describe where it was installed, not the configure-time CMAKE_INSTALL_PREFIX.
inc_ok=false
for f in $flags; do
    if [[ "$f" == -I* ]] && [[ "$(realpath -m "${f#-I}")" == "$(realpath "$PREFIX/include")" ]]; then
        inc_ok=true
    fi
done
$inc_ok || fail "(b) pkg-config --cflags does not point at $PREFIX/include (is weir.pc relocatable?): $flags"
step "(b) $CXX_COMPILER main.cpp $flags"
# shellcheck disable=SC2086 # the flags are meant to split into words
"$CXX_COMPILER" "$CONSUMER/main.cpp" -o "$TMP/app-pc" $flags >"$TMP/b-build.log" 2>&1 || {
    cat "$TMP/b-build.log" >&2
    fail "(b) compiling with the pkg-config flags failed"
}
out=$(LD_LIBRARY_PATH="$LIB_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$TMP/app-pc") ||
    fail "(b) the consumer exited with status $?"
check_output "(b) the pkg-config consumer" "$out"

step "PASS (find_package and pkg-config)"

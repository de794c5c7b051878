#!/usr/bin/env bash
# Builds weir in Release (CMake preset `release`) and runs the demo, build/release/examples/weir-demo.
# Works on a fresh Debian 12 machine: missing packages are installed first (scripts/lib/deps.sh).
# Arguments are passed on to the demo.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=SCRIPTDIR/lib/deps.sh
source scripts/lib/deps.sh

weir_ensure_packages "${WEIR_DEPS_ALL[@]}"

cmake --preset release
cmake --build --preset release -j 2

exec build/release/examples/weir-demo "$@"

#!/usr/bin/env bash
# Runs a program of the Windows build (mingw-w64) under Wine: the CMAKE_CROSSCOMPILING_EMULATOR of
# the `windows` preset, so ctest and the example checks run .exe files through it.
#
#   scripts/wine-run.sh program.exe [args...]
#
# The Wine prefix lives in build/windows/wineprefix (WINEPREFIX overrides it). Creating it takes
# a few seconds and must not happen twice at once, so the first caller makes it under a lock.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WINE=${WEIR_WINE:-/usr/lib/wine/wine64}
export WINEPREFIX=${WINEPREFIX:-$ROOT/build/windows/wineprefix}
export WINEDEBUG=${WINEDEBUG:--all}
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}

if [[ ! -x $WINE ]]; then
    echo "wine-run.sh: $WINE not found (Debian package wine64)" >&2
    exit 127
fi
if [[ ! -f $WINEPREFIX/system.reg ]]; then
    mkdir -p "$(dirname "$WINEPREFIX")"
    (
        flock 9
        if [[ ! -f $WINEPREFIX/system.reg ]]; then
            # wineboot returns once the prefix is complete. (Not `wineserver -w`: it would also
            # wait for every other Wine program that started meanwhile.)
            "$WINE" wineboot --init >/dev/null 2>&1 || true
        fi
    ) 9>"$WINEPREFIX.lock"
fi
exec "$WINE" "$@"

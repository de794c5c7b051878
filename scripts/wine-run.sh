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
WINESERVER=${WEIR_WINESERVER:-$(dirname "$WINE")/wineserver}
export WINEPREFIX=${WINEPREFIX:-$ROOT/build/windows/wineprefix}
export WINEDEBUG=${WINEDEBUG:--all}
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}

if [[ ! -x $WINE ]]; then
    echo "wine-run.sh: $WINE not found (Debian package wine64)" >&2
    exit 127
fi
# Under one lock, so that concurrent callers (ctest -j) neither create the prefix twice nor open
# two sessions: the prefix, once (wineboot returns when it is complete; not `wineserver -w`,
# which would also wait for every other Wine program started meanwhile). Then the session:
# Wine's first program of a session starts the wineserver and the prefix's services
# (services.exe, winedevice.exe, rpcss.exe...), which inherit that program's standard output and
# error and keep them open until the session ends. ctest reads a test's output to its end, so the
# test that happened to open the session did not end before every Wine program running beside it
# had (a 3 s test took 35 s beside a 32 s one). So the session is opened here with nothing
# inherited: a wineserver that stays 30 s after its last program (so that the next test finds
# it), and one empty program that starts the services. When the server is already up
# (`wineserver -p` exits 2), its services are too. 9>&- everywhere: the server and the services
# outlive this block and must not hold its lock.
mkdir -p "$(dirname "$WINEPREFIX")"
(
    flock 9
    if [[ ! -f $WINEPREFIX/system.reg ]]; then
        "$WINE" wineboot --init >/dev/null 2>&1 9>&- || true
    fi
    if "$WINESERVER" -p 30 </dev/null >/dev/null 2>&1 9>&-; then
        "$WINE" cmd /c exit </dev/null >/dev/null 2>&1 9>&- || true
    fi
) 9>"$WINEPREFIX.lock"
exec "$WINE" "$@"

#!/bin/sh
# A compiler launcher for em++ with native wasm exceptions (CMakeLists.txt sets it): runs the
# compile, and runs it again, up to twice more, when the compiler itself crashed.
#
# Why: clang 19 (Emscripten 3.1.69) has a use-after-free in its WebAssembly backend. Its
# "Control Flow Optimizer" deletes an EH pad that the wasm EH bookkeeping still points to; a
# later wasm pass writes into the freed block, and the compiler's heap is corrupted. Whether that
# crashes depends on where malloc put things (address-space randomisation): one compile in 7 of
# the unity file holding tests/core/test_stream_semantics.cpp crashed ("malloc(): unaligned tcache
# chunk detected"), and failed a CI run. The compiler flags that avoid the write produce invalid
# wasm elsewhere (docs/wasm.md), so a crashed compile is retried, and only a crash: an ordinary
# compile error fails at once.
out=$(mktemp)
trap 'rm -f "$out"' EXIT
try=1
while :; do
    "$@" 2>"$out"
    rc=$?
    if [ $rc -ne 0 ] && [ $try -lt 3 ] && grep -q "PLEASE submit a bug report" "$out"; then
        echo "weir: the compiler crashed (try $try of 3; scripts/lib/retry-ice.sh says why); again" >&2
        try=$((try + 1))
        continue
    fi
    cat "$out" >&2
    exit $rc
done

#!/bin/sh
# Tests scripts/lib/retry-ice.sh, the launcher that retries em++ compiles that crashed
# (docs/wasm.md): a crashed compile runs again until it succeeds (3 tries at most), a compile
# error fails at once with its message, and a compile's output passes through.
# usage: retry_ice.sh path/to/retry-ice.sh
launcher=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# A fake compiler: counts its runs in $1; $2 says how it behaves: crash_once (crashes on its first
# run, then compiles), crash_always (exit 3 with clang's crash message) or error (a compile error).
cat >"$dir/cc.sh" <<'SH'
#!/bin/sh
echo run >>"$1"
runs=$(wc -l <"$1")
case $2 in
crash_once) [ "$runs" -ge 2 ] && { echo compiled; exit 0; } ;;
error) echo "x.cpp:1:1: error: expected expression" >&2; exit 1 ;;
esac
echo "PLEASE submit a bug report to https://github.com/llvm/llvm-project/issues/" >&2
exit 3
SH
runs() { wc -l <"$dir/$1"; }

out=$("$launcher" sh "$dir/cc.sh" "$dir/once" crash_once 2>/dev/null) || fail "a crash then a success failed"
[ "$out" = compiled ] || fail "stdout not passed through: '$out'"
[ "$(runs once)" -eq 2 ] || fail "crash then success: expected 2 runs, got $(runs once)"

err=$("$launcher" sh "$dir/cc.sh" "$dir/always" crash_always 2>&1 >/dev/null)
rc=$?
[ $rc -eq 3 ] || fail "expected exit 3 after the last crash, got $rc"
[ "$(runs always)" -eq 3 ] || fail "always crashing: expected 3 runs, got $(runs always)"
echo "$err" | grep -q "PLEASE submit" || fail "the last crash's message was not shown"

err=$("$launcher" sh "$dir/cc.sh" "$dir/error" error 2>&1 >/dev/null)
rc=$?
[ $rc -eq 1 ] || fail "expected exit 1 for a compile error, got $rc"
[ "$(runs error)" -eq 1 ] || fail "a compile error ran $(runs error) times"
echo "$err" | grep -q "expected expression" || fail "the error message was lost"
echo "retry-ice: ok (crash then success: 2 runs; always crashing: 3 runs, exit 3; error: 1 run)"

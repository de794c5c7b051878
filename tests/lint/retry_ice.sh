#!/bin/sh
# Tests scripts/lib/retry-ice.sh, the launcher that retries em++ compiles that crashed
# (docs/wasm.md): a crashed compile runs again until it succeeds (3 tries at most), a compile
# error fails at once with its message, and a compile's output passes through.
# usage: retry_ice.sh path/to/retry-ice.sh
launcher=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# Crashes once, then compiles.
cat >"$dir/crash_once.sh" <<'SH'
#!/bin/sh
echo run >>"$1"
[ "$(wc -l <"$1")" -ge 2 ] && { echo compiled; exit 0; }
echo "PLEASE submit a bug report to https://github.com/llvm/llvm-project/issues/" >&2
exit 1
SH
out=$("$launcher" sh "$dir/crash_once.sh" "$dir/runs1" 2>/dev/null) || fail "a crash then a success failed"
[ "$out" = compiled ] || fail "stdout not passed through: '$out'"
[ "$(wc -l <"$dir/runs1")" -eq 2 ] || fail "expected 2 runs, got $(wc -l <"$dir/runs1")"

# Always crashes: gives up after 3 runs with the compiler's message and its exit status.
cat >"$dir/crash_always.sh" <<'SH'
#!/bin/sh
echo run >>"$1"
echo "PLEASE submit a bug report" >&2
exit 3
SH
err=$("$launcher" sh "$dir/crash_always.sh" "$dir/runs2" 2>&1 >/dev/null)
rc=$?
[ $rc -eq 3 ] || fail "expected exit 3 after the last crash, got $rc"
[ "$(wc -l <"$dir/runs2")" -eq 3 ] || fail "expected 3 runs, got $(wc -l <"$dir/runs2")"
echo "$err" | grep -q "PLEASE submit" || fail "the last crash's message was not shown"

# An ordinary error: one run, its message, its status.
cat >"$dir/error.sh" <<'SH'
#!/bin/sh
echo run >>"$1"
echo "x.cpp:1:1: error: expected expression" >&2
exit 1
SH
err=$("$launcher" sh "$dir/error.sh" "$dir/runs3" 2>&1 >/dev/null)
rc=$?
[ $rc -eq 1 ] || fail "expected exit 1 for a compile error, got $rc"
[ "$(wc -l <"$dir/runs3")" -eq 1 ] || fail "a compile error ran $(wc -l <"$dir/runs3") times"
echo "$err" | grep -q "expected expression" || fail "the error message was lost"
echo "retry-ice: ok (crash then success: 2 runs; always crashing: 3 runs, exit 3; error: 1 run)"

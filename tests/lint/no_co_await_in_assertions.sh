#!/bin/sh
# Fails if a test puts co_await inside a Catch2 assertion (CHECK, REQUIRE, REQUIRE_THROWS_AS, ...).
#
# Why: Catch2 2.13 writes the asserted expression three times (inside __builtin_constant_p, in
# the checked call, and in a `false && ...` loop condition). g++ 12's coroutine lowering gives
# the unevaluated copies suspend points of their own: resuming `CHECK(co_await x == 0)` destroys
# the first awaiter without its await_resume and starts a second await (it looked like a TCP
# read that hung under the Asio driver; elsewhere a REQUIRE checked nothing). Await into a local
# first, then check it:
#     int n = co_await x;
#     CHECK(n == 0);
# Run by CTest as tests_never_co_await_inside_a_catch_assertion, with the test sources as arguments.
if grep -nE '(CHECK|REQUIRE)[A-Z_]*[[:space:]]*\(.*co_await' "$@"; then
    echo "co_await inside a Catch2 assertion (above): g++ 12 miscompiles it; await into a local first" >&2
    exit 1
fi
echo "no co_await inside a Catch2 assertion"

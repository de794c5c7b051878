// The functions of the stream property test's stages, shared by the real pipeline
// (pipeline.hpp) and the model (model.hpp), so both compute the same thing: each in a plain
// form and, where a stage takes a task, a task form that suspends for a fraction of the items
// (weir::yield_now() mostly, weir::sleep(1ms) rarely, fixed by a hash of the item and the
// stage) to drive the asynchronous paths without making the test slow.
//
// Part of test_stream_property.cpp, which alone includes it: its names are in that file's
// anonymous namespace, which a unity batch shares with three other test files, so they must
// stay unique among the test files.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>
#include <weir/weir.hpp>

#include "case.hpp"

using namespace std::chrono_literals;

namespace {

// ---- the stages' functions, shared by the real pipeline and the model ----

int floor_mod(int x, int m) {
    int r = x % m;
    return r < 0 ? r + m : r;
}
int affine(int x, int a, int b) { return (a * x + b) % 1000; }
bool keep(int x, int m, int r) { return floor_mod(x, m) < r; }
std::optional<int> pick(int x, int m, int a) {
    if (floor_mod(x, m) == 0) return std::nullopt;
    return (2 * x - a) % 1000;
}
bool before_stop(int x, int m, int r) { return floor_mod(x, m) != r; }
std::optional<int> running_sum(int& acc, int x, int limit) {
    acc += x;
    if (acc > limit || acc < -limit) return std::nullopt;
    return acc;
}
int pair_back(int a, int b) { return (a + 3 * b) % 1000; }
int vec_sum(const std::vector<int>& v) {
    int t = 0;
    for (int x : v) t += x;
    return t;
}
std::uint64_t fold_ordered(std::uint64_t acc, int x) {
    return acc * 1000003ULL + static_cast<std::uint64_t>(static_cast<std::int64_t>(x));
}
std::uint64_t fold_commutative(std::uint64_t acc, int x) {
    return acc + mix(static_cast<std::uint64_t>(static_cast<std::int64_t>(x)));
}

/// Suspends for some items: level 0 never; level 1 yields for 1/8 of the items and sleeps 1 ms
/// for 1/64; level 2 yields for 1/2 and sleeps for 1/32. Which items is fixed by (x, salt).
weir::task<void> maybe_suspend(int x, int level, std::uint32_t salt) {
    if (level == 0) co_return;
    std::uint64_t h =
        mix((static_cast<std::uint64_t>(salt) << 32) ^ static_cast<std::uint32_t>(x)) % 64;
    bool sleep = level == 1 ? h == 0 : h < 2;
    bool yield = level == 1 ? h < 9 : h < 34;
    if (sleep)
        co_await weir::sleep(1ms);
    else if (yield)
        co_await weir::yield_now();
}

weir::task<int> affine_task(int x, int a, int b, int level, std::uint32_t salt) {
    co_await maybe_suspend(x, level, salt);
    co_return affine(x, a, b);
}
weir::task<bool> keep_task(int x, int m, int r, int level, std::uint32_t salt) {
    co_await maybe_suspend(x, level, salt);
    co_return keep(x, m, r);
}
weir::task<std::optional<int>> pick_task(int x, int m, int a, int level, std::uint32_t salt) {
    co_await maybe_suspend(x, level, salt);
    co_return pick(x, m, a);
}
weir::task<bool> before_stop_task(int x, int m, int r, int level, std::uint32_t salt) {
    co_await maybe_suspend(x, level, salt);
    co_return before_stop(x, m, r);
}
// acc is the scan's state, which lives in the scan stage while this task runs.
weir::task<std::optional<int>> running_sum_task(int& acc, int x, int limit, int level,
                                                std::uint32_t salt) {
    co_await maybe_suspend(x, level, salt);
    co_return running_sum(acc, x, limit);
}
weir::task<std::uint64_t> fold_task(std::uint64_t acc, int x, bool ordered, int level,
                                    std::uint32_t salt) {
    co_await maybe_suspend(x, level, salt);
    co_return ordered ? fold_ordered(acc, x) : fold_commutative(acc, x);
}

}  // namespace

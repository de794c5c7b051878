// The blocking pool behind spawn_blocking (core/src/blocking_pool.hpp): idle threads exit after
// the keep-alive.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <thread>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using namespace std::chrono_literals;

namespace {

weir::runtime::options pool_options(std::chrono::nanoseconds keep_alive) {
    weir::runtime::options o = weir_test::workers(1);
    o.max_blocking_threads = 8;
    o.blocking_keep_alive = keep_alive;
    return o;
}

/// Polls rt's blocking_threads until it is n or `limit` passed; gives the last value.
std::size_t wait_for_blocking_threads(weir::runtime& rt, std::size_t n,
                                      std::chrono::milliseconds limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    std::size_t now = rt.metrics().blocking_threads;
    while (now != n && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(5ms);
        now = rt.metrics().blocking_threads;
    }
    return now;
}

/// Runs n blocking jobs that all wait for each other, so each has a thread of its own, and
/// gives rt's blocking_threads read while all n were running.
weir::task<std::size_t> occupy_threads(weir::runtime& rt, int n) {
    std::atomic<int> arrived{0};
    std::atomic<bool> release{false};
    auto job = [&arrived, &release] {
        arrived.fetch_add(1);
        auto until = std::chrono::steady_clock::now() + 10s;  // a bound on a hang only
        while (!release.load() && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(1ms);
    };
    std::vector<weir::task<void>> jobs;
    for (int i = 0; i < n; ++i) jobs.push_back(weir::spawn_blocking(job));
    while (arrived.load() < n) std::this_thread::sleep_for(1ms);  // block_on's own thread
    std::size_t seen = rt.metrics().blocking_threads;
    release = true;
    for (auto& j : jobs) co_await std::move(j);
    co_return seen;
}

}  // namespace

TEST_CASE("blocking_pool_threads_idle_past_the_keep_alive_exit", "[blocking][threads]") {
    weir::runtime rt(pool_options(50ms));
    REQUIRE(rt.block_on(occupy_threads(rt, 4)) == 4);
    // The four threads are idle now; 50 ms later they exit (limit: 100x that).
    CHECK(wait_for_blocking_threads(rt, 0, 5000ms) == 0);
    // The pool starts a thread again on demand.
    int v = rt.block_on(
        []() -> weir::task<int> { co_return co_await weir::spawn_blocking([] { return 7; }); }());
    CHECK(v == 7);
    CHECK(rt.metrics().blocking_threads <= 1);
}

TEST_CASE("blocking_pool_reuses_an_idle_thread_within_the_keep_alive", "[blocking][threads]") {
    weir::runtime rt(pool_options(10s));  // the default
    REQUIRE(rt.block_on(occupy_threads(rt, 3)) == 3);
    // Sequential jobs find an idle thread: none starts, none exits.
    rt.block_on([]() -> weir::task<void> {
        for (int i = 0; i < 20; ++i) co_await weir::spawn_blocking([] {});
    }());
    CHECK(rt.metrics().blocking_threads == 3);
    CHECK(rt.metrics().blocking_queue_depth == 0);
}

TEST_CASE("runtime_blocking_keep_alive_must_be_positive", "[blocking]") {
    REQUIRE_THROWS_AS(weir::runtime(pool_options(0ns)), std::invalid_argument);
    weir::runtime forever(pool_options(std::chrono::nanoseconds::max()));  // no exit
    CHECK(forever.block_on([]() -> weir::task<int> {
        co_return co_await weir::spawn_blocking([] { return 1; });
    }()) == 1);
}

// Regression tests for bugs found in review of the stream stages: each scenario failed (hang,
// crash, starvation, lost item) before its fix.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using namespace std::chrono_literals;
using weir_test::on_worker;
using weir_test::workers;
namespace ws = weir::stream;

namespace {
weir::task<void> nothing() { co_return; }

weir::task<void> spawn_buffered_forever() {
    auto v = co_await ws::iter(0, 4)
                 .map([](int x) -> weir::task<int> {
                     co_await weir::sleep(1h);
                     co_return x;
                 })
                 .spawn_buffered(2)
                 .collect();
    (void)v;
}
}  // namespace

TEST_CASE("stream_runtime_shutdown_with_spawn_buffered_in_flight_does_not_hang", "[stream]") {
    // Shutdown destroys tasks in registry order; the consumer may go after the tasks it spawned,
    // whose completions are then completed silently. Its stage's children must still be woken
    // by the stage's cancellation. Several offsets put the consumer at each registry position.
    for (int skip = 0; skip < 8; ++skip) {
        weir::runtime rt{workers(1)};
        for (int i = 0; i < skip; ++i) (void)rt.spawn(nothing());
        (void)rt.spawn(spawn_buffered_forever());
        std::this_thread::sleep_for(5ms);
    }  // ~runtime must return
    SUCCEED();
}

TEST_CASE("stream_for_each_concurrent_gives_way_to_other_tasks", "[stream]") {
    weir::runtime rt{workers(1)};
    auto seen_at = rt.block_on(on_worker([]() -> weir::task<long> {
        static std::atomic<bool> other_ran;
        other_ran = false;
        auto h = weir::spawn([]() -> weir::task<void> {
            other_ran = true;
            co_return;
        }());  // queued on this same worker
        long seen = -1, i = 0;
        auto body = [&](long) -> weir::task<void> {
            if (other_ran && seen < 0) seen = i;
            ++i;
            co_return;
        };
        co_await ws::iter(0L, 200'000L).for_each_concurrent(4, body);
        co_await h;
        co_return seen;
    }()));
    REQUIRE(seen_at >= 0);    // the other task ran while the stream was being consumed...
    REQUIRE(seen_at < 1000);  // ...within a few budgets, not only at its end
}

TEST_CASE("stream_buffered_tasks_see_the_task_locals_of_the_current_pull", "[stream]") {
    static weir::task_local<int> key;
    weir::runtime rt{workers(1)};
    auto got = rt.block_on([]() -> weir::task<std::vector<int>> {
        auto s = ws::iter(0, 4)
                     .map([](int) -> weir::task<int> {
                         co_await weir::yield_now();
                         int* v = key.try_get();
                         co_return v ? *v : -1;
                     })
                     .buffered(1);
        std::vector<int> out;
        auto first = co_await key.scope(42, s.next());  // pulled inside a scope...
        out.push_back(first.value_or(-2));
        auto second = co_await s.next();  // ...and outside it: the scope's binding is gone
        out.push_back(second.value_or(-2));
        co_return out;
    }());
    REQUIRE(got == std::vector<int>{42, -1});
}

TEST_CASE("stream_take_until_stops_at_once_even_when_the_upstream_is_always_ready", "[stream]") {
    weir::runtime rt{workers(1)};
    auto n = rt.block_on([]() -> weir::task<long> {
        weir::cancellation_token tok;
        long seen = 0;
        co_await ws::iter(0L, 1'000'000L).take_until(tok).for_each([&](long x) {
            ++seen;
            if (x == 9) tok.cancel();
        });
        co_return seen;
    }());
    REQUIRE(n == 10);
}

TEST_CASE("stream_merge_does_not_starve_a_side_that_waits", "[stream]") {
    weir::runtime rt{workers(1)};
    auto first_b_at = rt.block_on([]() -> weir::task<long> {
        auto slow = []() -> ws::generator<long> {
            for (long i = 0; i < 3; ++i) {
                co_await weir::sleep(1ms);
                co_yield -1;
            }
        };
        long i = 0, at = -1;
        co_await ws::iter(0L, 300'000L).merge(slow()).for_each([&](long x) {
            if (x < 0 && at < 0) at = i;
            ++i;
        });
        co_return at;
    }());
    REQUIRE(first_b_at >= 0);
    REQUIRE(first_b_at < 299'000);  // b's item came in while a still had plenty
}

TEST_CASE("stream_merge_pulls_no_item_it_does_not_hand_on", "[stream]") {
    weir::runtime rt{workers(1)};
    int pulled = 0;
    auto got = rt.block_on(ws::iter(0, 100)
                               .inspect([&](const int&) { ++pulled; })
                               .merge(ws::iter(100, 200).inspect([&](const int&) { ++pulled; }))
                               .take(3)
                               .collect());
    REQUIRE(got.size() == 3);
    REQUIRE(pulled == 3);
}

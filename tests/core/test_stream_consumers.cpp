// Stream consumers: collect, collect<C>, fold, for_each, for_each_concurrent, count, sum, next.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <deque>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using namespace std::chrono_literals;
using weir_test::workers;
namespace ws = weir::stream;

TEST_CASE("stream_collect_into_a_vector_or_any_container", "[stream]") {
    weir::runtime rt{workers(1)};
    REQUIRE(rt.block_on(ws::iter(0, 4).collect()) == std::vector<int>{0, 1, 2, 3});
    REQUIRE(rt.block_on(ws::iter(std::vector<int>{3, 1, 3, 2}).collect<std::set<int>>()) ==
            std::set<int>{1, 2, 3});
    REQUIRE(rt.block_on(ws::iter(0, 3).collect<std::deque<int>>()) == std::deque<int>{0, 1, 2});
    REQUIRE(rt.block_on(ws::iter(std::string("abc")).collect<std::string>()) == "abc");
}

TEST_CASE("stream_fold_with_a_function_or_a_task", "[stream]") {
    weir::runtime rt{workers(1)};
    REQUIRE(rt.block_on(ws::iter(1, 5).fold(1, [](int acc, int x) { return acc * x; })) == 24);
    auto concat = [](std::string acc, int x) -> weir::task<std::string> {
        co_await weir::yield_now();
        co_return acc + std::to_string(x);
    };
    REQUIRE(rt.block_on(ws::iter(0, 4).fold(std::string(">"), concat)) == ">0123");
}

TEST_CASE("stream_for_each_runs_in_order_one_at_a_time", "[stream]") {
    weir::runtime rt{workers(2)};
    auto order = rt.block_on([]() -> weir::task<std::vector<int>> {
        std::vector<int> seen;
        co_await ws::iter(0, 5).for_each([&](int x) -> weir::task<void> {
            co_await weir::sleep(std::chrono::milliseconds(5 - x));  // later ones are quicker
            seen.push_back(x);
        });
        co_await ws::iter(5, 7).for_each([&](int x) { seen.push_back(x); });
        co_return seen;
    }());
    REQUIRE(order == std::vector<int>{0, 1, 2, 3, 4, 5, 6});
}

TEST_CASE("stream_for_each_concurrent_runs_up_to_n_at_once", "[stream]") {
    weir::runtime rt{workers(2)};
    auto [done, peak] = rt.block_on([]() -> weir::task<std::pair<int, int>> {
        int running = 0, peak = 0, done = 0;
        co_await ws::iter(0, 30).for_each_concurrent(5, [&](int x) -> weir::task<void> {
            peak = std::max(peak, ++running);
            co_await weir::sleep(std::chrono::milliseconds(1 + x % 3));
            --running;
            ++done;
        });
        co_return std::pair{done, peak};
    }());
    REQUIRE(done == 30);
    REQUIRE(peak == 5);
    REQUIRE_THROWS_AS(
        ws::iter(0, 1).for_each_concurrent(0, [](int) -> weir::task<void> { co_return; }),
        std::invalid_argument);
}

TEST_CASE("stream_for_each_concurrent_first_error_cancels_the_others", "[stream]") {
    weir::runtime rt{workers(2)};
    std::atomic<int> started{0}, cancelled{0};
    auto run = [&]() -> weir::task<void> {
        co_await ws::iter(0, 100).for_each_concurrent(4, [&](int x) -> weir::task<void> {
            ++started;
            if (x == 2) throw std::runtime_error("task 2 failed");
            try {
                co_await weir::sleep(30s);
            } catch (const weir::operation_cancelled&) {
                ++cancelled;
                throw;
            }
        });
    };
    REQUIRE_THROWS_WITH(rt.block_on(run()), "task 2 failed");
    REQUIRE(started.load() == 4);  // no new item after the failure
    REQUIRE(cancelled.load() == 3);
}

TEST_CASE("stream_count_and_sum", "[stream]") {
    weir::runtime rt{workers(1)};
    REQUIRE(rt.block_on(ws::iter(0, 10).count()) == 10);
    REQUIRE(rt.block_on(ws::iter(0, 10).sum()) == 45);
    REQUIRE(rt.block_on(ws::iter(std::vector<double>{0.5, 0.25}).sum()) == 0.75);
    REQUIRE(rt.block_on(ws::empty<int>().sum()) == 0);
}

TEST_CASE("stream_next_pulls_one_item_at_a_time_then_nullopt", "[stream]") {
    weir::runtime rt{workers(1)};
    auto got = rt.block_on([]() -> weir::task<std::vector<int>> {
        auto s = ws::iter(0, 3);
        std::vector<int> v;
        while (auto x = co_await s.next()) v.push_back(*x);
        if (!co_await s.next()) v.push_back(-1);  // stays ended
        co_return v;
    }());
    REQUIRE(got == std::vector<int>{0, 1, 2, -1});
}

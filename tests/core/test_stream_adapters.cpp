// Stream adapters: map, then, filter, filter_map, buffered, buffer_unordered, spawn_buffered,
// chunks, take, skip, take_while, take_until, zip, merge, flatten, scan, inspect, timeout.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using namespace std::chrono_literals;
using weir_test::collect_on;
using weir_test::workers;
namespace ws = weir::stream;

namespace {
auto square_task = [](int x) -> weir::task<int> { co_return x* x; };
using square_t = decltype(square_task);

// Item types are part of the contract.
static_assert(
    std::is_same_v<ws::item_t<decltype(ws::iter(0, 3).map(square_task))>, weir::task<int>>);
static_assert(std::is_same_v<ws::item_t<decltype(ws::iter(0, 3).chunks(2))>, std::vector<int>>);
static_assert(std::is_same_v<ws::item_t<decltype(ws::iter(0, 3).zip(ws::iter(0L, 3L)))>,
                             std::tuple<int, long>>);
static_assert(
    std::is_same_v<ws::item_t<decltype(ws::iter(0, 3).map(square_task).buffered(2))>, int>);

std::vector<int> range(int a, int b) {
    std::vector<int> v;
    for (int i = a; i < b; ++i) v.push_back(i);
    return v;
}
}  // namespace

TEST_CASE("stream_map_applies_f_to_each_item", "[stream]") {
    weir::runtime rt{workers(1)};
    auto got = collect_on(rt, ws::iter(0, 4).map([](int x) { return std::to_string(x); }));
    REQUIRE(got == std::vector<std::string>{"0", "1", "2", "3"});
}

namespace {
int task_runs = 0;
}

TEST_CASE("stream_map_to_a_task_gives_unstarted_tasks", "[stream]") {
    weir::runtime rt{workers(1)};
    task_runs = 0;
    // No captures: the tasks outlive the stream (and the lambda inside it) here, and a coroutine
    // lambda's captures live in the lambda object, not in the coroutine frame.
    auto tasks = collect_on(rt, ws::iter(0, 3).map([](int x) -> weir::task<int> {
        ++task_runs;
        co_return x;
    }));
    REQUIRE(tasks.size() == 3);
    REQUIRE(task_runs == 0);
    REQUIRE(rt.block_on(std::move(tasks[2])) == 2);
    REQUIRE(task_runs == 1);
}

TEST_CASE("stream_then_awaits_each_items_task_in_order", "[stream]") {
    weir::runtime rt{workers(2)};
    auto got = collect_on(rt, ws::iter(0, 5).then([](int x) -> weir::task<int> {
        co_await weir::sleep(std::chrono::milliseconds(5 - x));
        co_return x * 10;
    }));
    REQUIRE(got == std::vector<int>{0, 10, 20, 30, 40});
}

TEST_CASE("stream_filter_with_bool_or_task_predicate", "[stream]") {
    weir::runtime rt{workers(1)};
    REQUIRE(collect_on(rt, ws::iter(0, 10).filter([](int x) { return x % 3 == 0; })) ==
            std::vector<int>{0, 3, 6, 9});
    auto odd = [](const int& x) -> weir::task<bool> {
        co_await weir::yield_now();
        co_return x % 2 == 1;
    };
    REQUIRE(collect_on(rt, ws::iter(0, 6).filter(odd)) == std::vector<int>{1, 3, 5});
    REQUIRE(collect_on(rt, ws::iter(0, 6).filter([](int) { return false; })).empty());
}

TEST_CASE("stream_filter_map_keeps_values_and_drops_nullopts", "[stream]") {
    weir::runtime rt{workers(1)};
    auto half = [](int x) -> std::optional<int> {
        if (x % 2) return std::nullopt;
        return x / 2;
    };
    REQUIRE(collect_on(rt, ws::iter(0, 7).filter_map(half)) == std::vector<int>{0, 1, 2, 3});
    auto parse = [](std::string s) -> weir::task<std::optional<int>> {
        if (s.empty() || s[0] < '0' || s[0] > '9') co_return std::nullopt;
        co_return std::stoi(s);
    };
    REQUIRE(collect_on(rt, ws::iter(std::vector<std::string>{"1", "x", "23"}).filter_map(parse)) ==
            std::vector<int>{1, 23});
}

TEST_CASE("stream_buffered_gives_results_in_input_order", "[stream]") {
    weir::runtime rt{workers(2)};
    auto got = collect_on(rt, ws::iter(0, 20)
                                  .map([](int x) -> weir::task<int> {
                                      co_await weir::sleep(std::chrono::milliseconds((20 - x) % 4));
                                      co_return x;
                                  })
                                  .buffered(6));
    REQUIRE(got == range(0, 20));
}

TEST_CASE("stream_buffered_1_runs_one_task_at_a_time", "[stream]") {
    weir::runtime rt{workers(2)};
    auto [got, peak] = rt.block_on([]() -> weir::task<std::pair<std::vector<int>, int>> {
        int running = 0, peak = 0;
        auto v = co_await ws::iter(0, 10)
                     .map([&](int x) -> weir::task<int> {
                         peak = std::max(peak, ++running);
                         co_await weir::yield_now();
                         --running;
                         co_return x;
                     })
                     .buffered(1)
                     .collect();
        co_return std::pair{v, peak};
    }());
    REQUIRE(got == range(0, 10));
    REQUIRE(peak == 1);
}

TEST_CASE("stream_buffered_rejects_zero", "[stream]") {
    REQUIRE_THROWS_AS(ws::iter(0, 3).map(square_task).buffered(0), std::invalid_argument);
    REQUIRE_THROWS_AS(ws::iter(0, 3).map(square_task).buffer_unordered(0), std::invalid_argument);
    REQUIRE_THROWS_AS(ws::iter(0, 3).map(square_task).spawn_buffered(0), std::invalid_argument);
}

TEST_CASE("stream_buffered_hands_out_a_finished_head_while_the_upstream_waits", "[stream]") {
    weir::runtime rt{workers(2)};
    // A feedback loop: the next input is sent only after the previous result came out. Without
    // pulling the upstream and waiting on the tasks at the same time, this would deadlock.
    auto got = rt.block_on([]() -> weir::task<std::vector<int>> {
        auto [tx, rx] = weir::mpsc::channel<int>(1);
        co_await tx.send(0);
        auto s = ws::from_channel(std::move(rx)).map(square_task).buffered(4);
        std::vector<int> out;
        while (auto v = co_await s.next()) {
            out.push_back(*v);
            if (out.size() == 5) break;
            co_await tx.send(static_cast<int>(out.size()));
        }
        co_return out;
    }());
    REQUIRE(got == std::vector<int>{0, 1, 4, 9, 16});
}

TEST_CASE("stream_buffer_unordered_gives_results_as_they_finish", "[stream]") {
    weir::runtime rt{workers(1)};
    auto got = collect_on(rt, ws::iter(0, 4)
                                  .map([](int x) -> weir::task<int> {
                                      co_await weir::sleep(std::chrono::milliseconds(40 - 10 * x));
                                      co_return x;
                                  })
                                  .buffer_unordered(4));
    REQUIRE(got == std::vector<int>{3, 2, 1, 0});
}

TEST_CASE("stream_spawn_buffered_runs_tasks_on_the_workers_in_input_order", "[stream][threads]") {
    weir::runtime rt{workers(2)};
    auto caller = std::this_thread::get_id();
    auto got = collect_on(rt, ws::iter(0, 50)
                                  .map([](int x) -> weir::task<std::pair<int, std::thread::id>> {
                                      if (x % 5 == 0) co_await weir::sleep(1ms);
                                      co_return std::pair{x, std::this_thread::get_id()};
                                  })
                                  .spawn_buffered(8));
    REQUIRE(got.size() == 50);
    for (int i = 0; i < 50; ++i) {
        REQUIRE(got[i].first == i);
        REQUIRE(got[i].second != caller);  // block_on's thread is not a worker
    }
}

TEST_CASE("stream_spawn_buffered_dropped_aborts_its_spawned_tasks", "[stream]") {
    weir::runtime rt{workers(2)};
    std::atomic<int> started{0}, cancelled{0};
    auto run = [&]() -> weir::task<std::optional<int>> {
        auto s = ws::iter(0, 100)
                     .map([&](int x) -> weir::task<int> {
                         ++started;
                         if (x == 0) co_return 0;
                         try {
                             co_await weir::sleep(30s);
                         } catch (const weir::operation_cancelled&) {
                             ++cancelled;
                             throw;
                         }
                         co_return x;
                     })
                     .spawn_buffered(4);
        co_return co_await s.next();
    };
    REQUIRE(rt.block_on(run()) == 0);
    // The aborted tasks clean up on their workers shortly after the drop. (A task aborted before
    // a worker first ran it may end without running its body at all.)
    for (int i = 0; i < 2000 && cancelled.load() < 3; ++i) rt.block_on(weir::sleep(1ms));
    REQUIRE(started.load() <= 4);                     // never more than the window
    REQUIRE(cancelled.load() == started.load() - 1);  // every one that got to its sleep
}

TEST_CASE("stream_chunks_with_a_short_tail", "[stream]") {
    weir::runtime rt{workers(1)};
    using V = std::vector<std::vector<int>>;
    REQUIRE(collect_on(rt, ws::iter(0, 7).chunks(3)) == V{{0, 1, 2}, {3, 4, 5}, {6}});
    REQUIRE(collect_on(rt, ws::iter(0, 6).chunks(3)) == V{{0, 1, 2}, {3, 4, 5}});
    REQUIRE(collect_on(rt, ws::iter(0, 2).chunks(5)) == V{{0, 1}});
    REQUIRE(collect_on(rt, ws::iter(0, 3).chunks(1)) == V{{0}, {1}, {2}});
    REQUIRE_THROWS_AS(ws::iter(0, 3).chunks(0), std::invalid_argument);
}

TEST_CASE("stream_take_stops_pulling_the_upstream", "[stream]") {
    weir::runtime rt{workers(1)};
    int pulled = 0;
    auto got = collect_on(rt, ws::iter(0, 100).inspect([&](const int&) { ++pulled; }).take(3));
    REQUIRE(got == std::vector<int>{0, 1, 2});
    REQUIRE(pulled == 3);
    REQUIRE(collect_on(rt, ws::iter(0, 2).take(5)) == std::vector<int>{0, 1});
    REQUIRE(collect_on(rt, ws::iter(0, 2).take(0)).empty());
}

TEST_CASE("stream_skip_drops_the_first_n", "[stream]") {
    weir::runtime rt{workers(1)};
    REQUIRE(collect_on(rt, ws::iter(0, 5).skip(2)) == std::vector<int>{2, 3, 4});
    REQUIRE(collect_on(rt, ws::iter(0, 5).skip(9)).empty());
    REQUIRE(collect_on(rt, ws::iter(0, 2).skip(0)) == std::vector<int>{0, 1});
}

TEST_CASE("stream_take_while_ends_at_the_first_failing_item", "[stream]") {
    weir::runtime rt{workers(1)};
    int pulled = 0;
    auto got = collect_on(
        rt, ws::iter(0, 100).inspect([&](const int&) { ++pulled; }).take_while([](int x) {
            return x * x < 10;
        }));
    REQUIRE(got == std::vector<int>{0, 1, 2, 3});
    REQUIRE(pulled == 5);  // 4 failed the test; nothing after it was pulled
    auto below_2 = [](const int& x) -> weir::task<bool> { co_return x < 2; };
    REQUIRE(collect_on(rt, ws::iter(0, 5).take_while(below_2)) == std::vector<int>{0, 1});
}

TEST_CASE("stream_take_until_ends_when_the_token_is_cancelled", "[stream]") {
    weir::runtime rt{workers(2)};
    std::atomic<int> cleaned{0};
    auto got = rt.block_on([](std::atomic<int>* cleaned) -> weir::task<std::vector<int>> {
        weir::cancellation_token tok;
        std::atomic<bool> in_long_sleep{false};
        auto slow = [](std::atomic<int>* c, std::atomic<bool>* in_long) -> ws::generator<int> {
            struct on_exit {
                std::atomic<int>* c;
                ~on_exit() { ++*c; }
            } guard{c};
            for (int i = 0;; ++i) {
                if (i == 3) *in_long = true;  // item 2 was handed on, and the next one pulled
                co_await weir::sleep(i < 3 ? 1ms : 30s);
                co_yield i;
            }
        };
        auto canceller = weir::spawn(
            [](weir::cancellation_token t, std::atomic<bool>* in_long) -> weir::task<void> {
                // After the three quick items (waited for, 10 s at most), not after a fixed
                // 200 ms that a loaded machine could let pass first.
                for (int i = 0; i < 10'000 && !in_long->load(); ++i) co_await weir::sleep(1ms);
                t.cancel();
            }(tok, &in_long_sleep));
        auto v = co_await slow(cleaned, &in_long_sleep).take_until(tok).collect();  // ends normally
        co_await canceller;
        co_return v;
    }(&cleaned));
    REQUIRE(got == std::vector<int>{0, 1, 2});
    REQUIRE(cleaned.load() == 1);  // the pending pull was cancelled and its cleanup ran
    weir::cancellation_token done;
    done.cancel();
    REQUIRE(collect_on(rt, ws::iter(0, 5).take_until(done)).empty());
}

TEST_CASE("stream_zip_pairs_items_and_ends_with_the_shorter", "[stream]") {
    weir::runtime rt{workers(1)};
    auto got = collect_on(rt, ws::iter(0, 3).zip(ws::iter(std::vector<std::string>{"a", "b"})));
    REQUIRE(got.size() == 2);
    REQUIRE(got[1] == std::tuple<int, std::string>{1, "b"});
}

TEST_CASE("stream_merge_interleaves_both_and_ends_when_both_end", "[stream]") {
    weir::runtime rt{workers(2)};
    auto got = rt.block_on([]() -> weir::task<std::vector<int>> {
        auto slow = [](int base, int n, int ms) -> ws::generator<int> {
            for (int i = 0; i < n; ++i) {
                co_await weir::sleep(std::chrono::milliseconds(ms));
                co_yield base + i;
            }
        };
        co_return co_await slow(0, 5, 1).merge(slow(100, 3, 2)).collect();
    }());
    REQUIRE(got.size() == 8);
    std::multiset<int> all(got.begin(), got.end());
    REQUIRE(all == std::multiset<int>{0, 1, 2, 3, 4, 100, 101, 102});
    // Each side keeps its own order.
    std::vector<int> a, b;
    for (int x : got) (x < 100 ? a : b).push_back(x);
    REQUIRE(a == range(0, 5));
    REQUIRE(b == range(100, 103));
    // Ready on both sides: they take turns.
    REQUIRE(collect_on(rt, ws::iter(0, 3).merge(ws::iter(10, 13))) ==
            std::vector<int>{0, 10, 1, 11, 2, 12});
}

TEST_CASE("stream_merge_error_on_one_side_ends_the_stream", "[stream]") {
    weir::runtime rt{workers(1)};
    auto bad = []() -> ws::generator<int> {
        co_yield 1;
        throw std::runtime_error("left failed");
    };
    REQUIRE_THROWS_WITH(rt.block_on(bad().merge(ws::repeat(0)).collect()), "left failed");
}

TEST_CASE("stream_flatten_streams_and_ranges", "[stream]") {
    weir::runtime rt{workers(1)};
    REQUIRE(collect_on(rt, ws::iter(0, 7).chunks(3).flatten()) == range(0, 7));
    auto nested = ws::iter(0, 3).map([](int n) { return ws::iter(0, n); });
    REQUIRE(collect_on(rt, std::move(nested).flatten()) == std::vector<int>{0, 0, 1});
}

TEST_CASE("stream_scan_carries_state_and_nullopt_ends", "[stream]") {
    weir::runtime rt{workers(1)};
    auto totals = [](int& acc, int x) -> std::optional<int> {
        acc += x;
        if (acc > 10) return std::nullopt;
        return acc;
    };
    REQUIRE(collect_on(rt, ws::iter(1, 10).scan(0, totals)) == std::vector<int>{1, 3, 6, 10});
}

TEST_CASE("stream_inspect_sees_each_item_and_passes_it_on", "[stream]") {
    weir::runtime rt{workers(1)};
    std::vector<int> seen;
    auto got = collect_on(rt, ws::iter(0, 3).inspect([&](const int& x) { seen.push_back(x); }));
    REQUIRE(got == seen);
    REQUIRE(seen == range(0, 3));
}

TEST_CASE("stream_timeout_passes_prompt_items_and_ends_with_timed_out_on_a_late_one", "[stream]") {
    weir::runtime rt{workers(2)};
    std::atomic<int> cleaned{0};
    auto late = [](std::atomic<int>* c) -> ws::generator<int> {
        struct on_exit {
            std::atomic<int>* c;
            ~on_exit() { ++*c; }
        } guard{c};
        co_yield 0;
        co_await weir::sleep(1ms);
        co_yield 1;
        co_await weir::sleep(30s);
        co_yield 2;
    };
    auto run = [&]() -> weir::task<std::vector<int>> {
        std::vector<int> got;
        auto s = late(&cleaned).timeout(200ms);
        try {
            while (auto v = co_await s.next()) got.push_back(*v);
        } catch (const weir::timed_out&) {
            got.push_back(-1);
        }
        co_return got;
    };
    REQUIRE(rt.block_on(run()) == std::vector<int>{0, 1, -1});
    REQUIRE(cleaned.load() == 1);
    REQUIRE(collect_on(rt, ws::iter(0, 3).timeout(1s)) == range(0, 3));
    REQUIRE_THROWS_AS(ws::iter(0, 3).timeout(0ms), std::invalid_argument);
}

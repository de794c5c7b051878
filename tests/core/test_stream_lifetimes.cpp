// Item lifetimes a user cannot see (docs/streams.md, "How long an item lives"): coroutines that
// take the item by reference, tasks made by map that run after the stream is gone. Every case
// here reads freed memory unless the stage owns each item until the task made from it has
// finished; the asan suite runs them with detect_stack_use_after_return=1 (tests/CMakeLists.txt).
#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using namespace std::chrono_literals;
using weir_test::workers;
namespace ws = weir::stream;

namespace {
/// Eight strings long enough to live on the heap, 344 characters in all.
std::vector<std::string> eight_words() {
    std::vector<std::string> words;
    for (int i = 0; i < 8; ++i)
        words.push_back(std::string(36 + 2 * i, static_cast<char>('a' + i)));
    return words;
}
constexpr std::size_t eight_words_total = 344;

/// Reads its argument after suspending: a dangling reference shows.
weir::task<std::size_t> size_later(const std::string& w) {
    co_await weir::sleep(1ms);
    co_return w.size();
}
}  // namespace

TEST_CASE("stream_map_coroutine_taking_a_const_ref_is_safe_under_the_buffered_stages",
          "[stream][lifetime]") {
    weir::runtime rt{workers(2)};
    auto by_ref = [](const std::string& w) -> weir::task<std::size_t> {
        co_await weir::sleep(1ms);
        co_return w.size();
    };
    auto generic = [](const auto& w) -> weir::task<std::size_t> {
        co_await weir::yield_now();
        co_return w.size();
    };
    auto forwarding = [](const std::string& w) { return size_later(w); };  // not a coroutine
    auto rvalue_ref = [](std::string&& w) -> weir::task<std::size_t> {
        co_await weir::yield_now();
        co_return w.size();
    };
    REQUIRE(rt.block_on(ws::iter(eight_words()).map(by_ref).buffered(4).sum()) ==
            eight_words_total);
    REQUIRE(rt.block_on(ws::iter(eight_words()).map(by_ref).buffer_unordered(3).sum()) ==
            eight_words_total);
    REQUIRE(rt.block_on(ws::iter(eight_words()).map(by_ref).spawn_buffered(4).sum()) ==
            eight_words_total);
    REQUIRE(rt.block_on(ws::iter(eight_words()).map(generic).buffered(8).sum()) ==
            eight_words_total);
    REQUIRE(rt.block_on(ws::iter(eight_words()).map(forwarding).buffered(2).sum()) ==
            eight_words_total);
    REQUIRE(rt.block_on(ws::iter(eight_words()).map(rvalue_ref).buffer_unordered(8).sum()) ==
            eight_words_total);
    // With a stage between map and buffered, the tasks themselves own their items.
    REQUIRE(rt.block_on(ws::iter(eight_words()).map(by_ref).take(8).buffered(4).sum()) ==
            eight_words_total);
    REQUIRE(rt.block_on(ws::iter(eight_words()).map(by_ref).boxed().buffered(4).sum()) ==
            eight_words_total);
    REQUIRE(rt.block_on(ws::iter(eight_words())
                            .stage("sizes", [&](auto s) { return std::move(s).map(by_ref); })
                            .buffered(4)
                            .sum()) == eight_words_total);
}

TEST_CASE("stream_tasks_made_by_map_can_run_after_the_stream_is_gone", "[stream][lifetime]") {
    weir::runtime rt{workers(1)};
    auto total = rt.block_on([]() -> weir::task<std::size_t> {
        // The lambda's captures live in the lambda object, which map keeps inside the stream.
        auto labelled =
            [prefix = std::string(40, 'p')](const std::string& w) -> weir::task<std::size_t> {
            co_await weir::yield_now();
            co_return prefix.size() + w.size();
        };
        std::vector<weir::task<std::size_t>> tasks =
            co_await ws::iter(eight_words()).map(std::move(labelled)).collect();
        // The stream, its map stage, the lambda and the items are gone: the tasks hold what
        // they use.
        std::vector<std::size_t> sizes = co_await weir::join_all(std::move(tasks));
        std::size_t sum = 0;
        for (std::size_t s : sizes) sum += s;
        co_return sum;
    }());
    REQUIRE(total == eight_words_total + 8 * 40);
}

TEST_CASE("stream_task_taken_with_next_can_run_after_the_stream_is_dropped", "[stream][lifetime]") {
    weir::runtime rt{workers(1)};
    auto got = rt.block_on([]() -> weir::task<std::size_t> {
        std::optional<weir::task<std::size_t>> t;
        {
            auto f = [suffix =
                          std::string(30, 's')](const std::string& w) -> weir::task<std::size_t> {
                co_await weir::sleep(1ms);
                co_return w.size() + suffix.size();
            };
            auto s = ws::iter(eight_words()).map(std::move(f));
            t = co_await s.next();
        }  // the stream is dropped here
        co_return co_await std::move(*t);
    }());
    REQUIRE(got == 36 + 30);
}

TEST_CASE("stream_map_calls_a_task_function_when_the_item_is_pulled", "[stream][lifetime]") {
    // map calls f as each item comes through, on the consumer's thread, whether the tasks are
    // run by a following buffered stage or handed out: f's own side effects keep their order.
    weir::runtime rt{workers(2)};
    auto [calls_at_pull, order] = rt.block_on([]() -> weir::task<std::pair<int, std::vector<int>>> {
        std::vector<int> order;
        auto f = [](const int& x) -> weir::task<int> {
            co_await weir::yield_now();
            co_return x;
        };
        auto counting = [&order, f](const int& x) {
            order.push_back(x);  // not inside the task: runs when map calls f
            return f(x);
        };
        auto s = ws::iter(0, 3).map(counting);
        auto first = co_await s.next();
        int at_pull = static_cast<int>(order.size());
        co_await std::move(*first);
        co_await ws::iter(3, 40).map(counting).spawn_buffered(4).count();
        co_return std::pair{at_pull, order};
    }());
    REQUIRE(calls_at_pull == 1);
    std::vector<int> expected;
    for (int i = 0; i < 40; ++i)
        if (i != 1 && i != 2) expected.push_back(i);
    REQUIRE(order == expected);
}

TEST_CASE("stream_map_to_generators_by_value_then_flatten", "[stream][lifetime]") {
    // A generator is lazy like a task, but map hands it on as a stream of its own: its function
    // must take the item by value (a reference parameter is rejected at compile time, test
    // stream_map_rejects_generator_functions_taking_the_item_by_reference).
    weir::runtime rt{workers(1)};
    auto chars = [](std::string w) -> ws::generator<char> {
        co_await weir::yield_now();
        for (char c : w) co_yield c;
    };
    REQUIRE(rt.block_on(ws::iter(eight_words()).map(chars).flatten().count()) == eight_words_total);
}

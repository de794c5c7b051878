// The fallible stream family (issue 17): try_collect, try_for_each, try_buffered, try_chunks over
// items that hold a value or an error, and chunks handing back its partial chunk when the upstream
// throws.
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using namespace std::chrono_literals;
using weir_test::workers;
namespace ws = weir::stream;

namespace {
using res = weir::expected<int, std::string>;

/// The items of `v`, pulled one at a time; counts the pulls that gave an item.
ws::generator<res> results(std::vector<res> v, std::shared_ptr<int> pulls) {
    for (auto& r : v) {
        ++*pulls;
        co_yield std::move(r);
    }
}
res err(const char* why) { return weir::unexpected(std::string(why)); }

/// A result type of the caller's own, with std::expected's members but no rebind: the family
/// gives its own results back as weir::expected.
struct my_result {
    using value_type = int;
    using error_type = int;
    using unexpected_type = weir::unexpected<int>;
    bool ok;
    int v;
    bool has_value() const { return ok; }
    int operator*() && { return v; }
    int error() && { return v; }
};

/// Sets *flag when destroyed: the cleanup of a cancelled task.
struct set_on_exit {
    std::shared_ptr<bool> flag;
    ~set_on_exit() { *flag = true; }
};
}  // namespace

TEST_CASE("stream_try_collect_gives_every_value_or_the_first_error", "[stream]") {
    weir::runtime rt{workers(1)};
    auto pulls = std::make_shared<int>(0);
    auto all = rt.block_on(results({1, 2, 3}, pulls).try_collect());
    static_assert(std::is_same_v<decltype(all), weir::expected<std::vector<int>, std::string>>);
    REQUIRE(all.has_value());
    CHECK(*all == std::vector<int>{1, 2, 3});

    *pulls = 0;
    auto first = rt.block_on(results({1, err("second"), 3, err("fourth")}, pulls).try_collect());
    REQUIRE_FALSE(first.has_value());
    CHECK(first.error() == "second");
    CHECK(*pulls == 2);  // not pulled after the error

    auto mine = rt.block_on(ws::iter(std::vector<my_result>{{true, 1}, {false, 9}}).try_collect());
    static_assert(std::is_same_v<decltype(mine), weir::expected<std::vector<int>, int>>);
    CHECK(mine.error() == 9);
}

TEST_CASE("stream_try_for_each_stops_at_the_first_error_from_an_item_or_from_f", "[stream]") {
    weir::runtime rt{workers(1)};
    auto pulls = std::make_shared<int>(0);
    std::vector<int> seen;

    // f returning void: only items fail
    auto r1 = rt.block_on(
        results({1, 2, err("bad item"), 4}, pulls).try_for_each([&](int x) { seen.push_back(x); }));
    static_assert(std::is_same_v<decltype(r1), weir::expected<void, std::string>>);
    CHECK(r1.error() == "bad item");
    CHECK(seen == std::vector<int>{1, 2});
    CHECK(*pulls == 3);

    // f returning a task of a result: f fails on 3, nothing after it is pulled
    seen.clear();
    *pulls = 0;
    auto r2 =
        rt.block_on(results({1, 2, 3, 4, 5}, pulls)
                        .try_for_each([&](int x) -> weir::task<weir::expected<void, const char*>> {
                            co_await weir::yield_now();
                            seen.push_back(x);
                            if (x == 3) co_return weir::unexpected("three");
                            co_return weir::expected<void, const char*>();
                        }));
    CHECK(r2.error() == "three");
    CHECK(seen == std::vector<int>{1, 2, 3});
    CHECK(*pulls == 3);

    // everything fine
    auto r3 = rt.block_on(results({1, 2}, pulls).try_for_each([](int) { return res(0); }));
    CHECK(r3.has_value());
}

TEST_CASE("stream_try_buffered_gives_values_in_order_within_its_window", "[stream]") {
    weir::runtime rt{workers(1)};
    int in_flight = 0, most = 0;
    auto out = rt.block_on(ws::iter(0, 50)
                               .map([&](int i) -> weir::task<res> {
                                   most = std::max(most, ++in_flight);
                                   co_await weir::sleep(std::chrono::microseconds((50 - i) * 20));
                                   --in_flight;
                                   co_return i * 2;
                               })
                               .try_buffered(4)
                               .try_collect());
    REQUIRE(out.has_value());
    std::vector<int> want;
    for (int i = 0; i < 50; ++i) want.push_back(i * 2);
    CHECK(*out == want);
    CHECK(most <= 4);
    CHECK(most >= 2);
    CHECK_THROWS_AS(ws::iter(0, 1).map([](int) -> weir::task<res> { co_return 0; }).try_buffered(0),
                    std::invalid_argument);
}

TEST_CASE("stream_try_buffered_reports_an_error_as_soon_as_it_happens", "[stream]") {
    // Task 0 waits for a notify that never comes; task 1 fails. buffered would keep the error
    // behind task 0 for ever; try_buffered hands it out at once and cancels task 0 first.
    weir::runtime rt{workers(1)};
    weir::notify never;
    auto cleaned = std::make_shared<bool>(false);
    auto make = [&](int i) -> weir::task<res> {
        if (i == 0) {
            set_on_exit g{cleaned};
            co_await never.notified();
            co_return 0;
        }
        co_await weir::yield_now();
        if (i == 1) co_return err("task 1");
        co_return i;
    };
    bool cleaned_when_seen = false;
    auto got = rt.block_on(weir::timeout(20s, [&]() -> weir::task<std::optional<res>> {
        auto s = ws::iter(0, 4).map(make).try_buffered(4);
        auto first = co_await s.next();
        cleaned_when_seen = *cleaned;
        auto after = co_await s.next();
        CHECK_FALSE(after.has_value());  // the stream ended with the error
        co_return first;
    }()));
    REQUIRE(got.has_value());
    REQUIRE_FALSE(got->has_value());
    CHECK(got->error() == "task 1");
    CHECK(cleaned_when_seen);

    // A task that throws is rethrown at once too, and so is the upstream's exception.
    auto throwing = [&](int i) -> weir::task<res> {
        if (i == 0) co_await never.notified();
        co_await weir::yield_now();
        throw std::runtime_error("task threw");
    };
    CHECK_THROWS_WITH(
        rt.block_on(weir::timeout(20s, ws::iter(0, 3).map(throwing).try_buffered(3).try_collect())),
        "task threw");
    auto failing_source = []() -> ws::generator<int> {
        co_yield 0;
        co_yield 1;
        throw std::runtime_error("source failed");
    };
    CHECK_THROWS_WITH(rt.block_on(weir::timeout(20s, failing_source()
                                                         .map([&](int i) -> weir::task<res> {
                                                             if (i == 0) co_await never.notified();
                                                             co_return i;
                                                         })
                                                         .try_buffered(4)
                                                         .try_collect())),
                      "source failed");
}

TEST_CASE("stream_try_buffered_over_map_keeps_each_item_alive_for_its_task", "[stream][lifetime]") {
    weir::runtime rt{workers(2)};
    std::vector<std::string> words{"alpha", "beta", "gamma", "delta", "epsilon", "zeta"};
    auto out = rt.block_on(ws::iter(words)
                               .map([](const std::string& w) -> weir::task<res> {
                                   co_await weir::sleep(1ms);
                                   co_return static_cast<int>(w.size());
                               })
                               .try_buffered(3)
                               .try_collect());
    REQUIRE(out.has_value());
    CHECK(*out == std::vector<int>{5, 4, 5, 5, 7, 4});
}

TEST_CASE("stream_try_chunks_hands_back_the_values_before_an_error", "[stream]") {
    weir::runtime rt{workers(1)};
    auto pulls = std::make_shared<int>(0);
    auto chunks = weir_test::collect_on(
        rt, results({1, 2, err("e1"), 3, 4, 5, 6, err("e2"), err("e3"), 7}, pulls).try_chunks(3));
    using out_t = weir::expected<std::vector<int>, std::string>;
    static_assert(std::is_same_v<decltype(chunks)::value_type, out_t>);
    std::vector<out_t> want{std::vector<int>{1, 2},
                            weir::unexpected(std::string("e1")),
                            std::vector<int>{3, 4, 5},
                            std::vector<int>{6},
                            weir::unexpected(std::string("e2")),
                            weir::unexpected(std::string("e3")),
                            std::vector<int>{7}};
    CHECK(chunks == want);
    CHECK_THROWS_AS(results({}, pulls).try_chunks(0), std::invalid_argument);
    // try_collect over try_chunks: the values of the chunk before the error still come out
    auto first = rt.block_on(
        results({1, 2, err("stop"), 3}, pulls).try_chunks(5).try_for_each([](std::vector<int> c) {
            CHECK(c == std::vector<int>{1, 2});
        }));
    CHECK(first.error() == "stop");
}

TEST_CASE("stream_chunks_hands_back_the_partial_chunk_when_the_upstream_throws", "[stream]") {
    weir::runtime rt{workers(1)};
    auto source = []() -> ws::generator<int> {
        for (int i = 0; i < 5; ++i) co_yield i;
        throw std::runtime_error("source failed");
    };
    std::vector<std::vector<int>> got;
    CHECK_THROWS_WITH(rt.block_on(source().chunks(3).for_each(
                          [&](std::vector<int> c) { got.push_back(std::move(c)); })),
                      "source failed");
    CHECK(got == std::vector<std::vector<int>>{{0, 1, 2}, {3, 4}});

    // failing with an empty chunk: the error comes at once, no empty chunk
    auto empty_then_fail = []() -> ws::generator<int> {
        co_yield 0;
        throw std::runtime_error("after one");
    };
    got.clear();
    CHECK_THROWS_WITH(rt.block_on(empty_then_fail().chunks(1).for_each(
                          [&](std::vector<int> c) { got.push_back(std::move(c)); })),
                      "after one");
    CHECK(got == std::vector<std::vector<int>>{{0}});
}

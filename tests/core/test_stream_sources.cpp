// Stream sources: iter, from_channel, interval, once, empty, repeat and generators.
#include <catch2/catch.hpp>
#include <chrono>
#include <list>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using namespace std::chrono_literals;
using weir_test::collect_on;
using weir_test::workers;
namespace ws = weir::stream;

// Item types are part of the contract.
static_assert(std::is_same_v<ws::item_t<decltype(ws::iter(0, 1000))>, int>);
static_assert(std::is_same_v<ws::item_t<decltype(ws::iter(0L, 10L))>, long>);
static_assert(std::is_same_v<decltype(std::declval<ws::iota_stream<int>&>().next()),
                             weir::task<std::optional<int>>>);
static_assert(std::is_same_v<decltype(ws::iter(0, 3).count()), weir::task<std::size_t>>);
static_assert(std::is_same_v<decltype(ws::iter(0, 3).collect()), weir::task<std::vector<int>>>);
static_assert(
    std::is_same_v<ws::item_t<decltype(ws::iter(std::vector<std::string>{}))>, std::string>);

namespace {

struct alive_counter {
    int* n;
    explicit alive_counter(int* p) : n(p) { ++*n; }
    ~alive_counter() { --*n; }
};
}  // namespace

TEST_CASE("stream_iter_over_integers_yields_first_to_last_exclusive", "[stream]") {
    weir::runtime rt{workers(1)};
    REQUIRE(collect_on(rt, ws::iter(3, 7)) == std::vector<int>{3, 4, 5, 6});
    REQUIRE(collect_on(rt, ws::iter(-2, 1)) == std::vector<int>{-2, -1, 0});
    REQUIRE(collect_on(rt, ws::iter(5, 5)).empty());
    REQUIRE(collect_on(rt, ws::iter(5, 2)).empty());
    REQUIRE(rt.block_on(ws::iter(0, 1000).count()) == 1000);
}

TEST_CASE("stream_iter_over_a_container_moves_its_elements_out", "[stream]") {
    weir::runtime rt{workers(1)};
    std::vector<std::unique_ptr<int>> v;
    for (int i = 0; i < 3; ++i) v.push_back(std::make_unique<int>(i));
    auto got = collect_on(rt, ws::iter(std::move(v)));
    REQUIRE(got.size() == 3);
    REQUIRE(*got[2] == 2);
    std::list<std::string> l{"a", "b"};
    REQUIRE(collect_on(rt, ws::iter(l)) == std::vector<std::string>{"a", "b"});  // a copy
    REQUIRE(l.size() == 2);
}

TEST_CASE("stream_iter_over_a_span_reads_in_place", "[stream]") {
    weir::runtime rt{workers(1)};
    std::vector<int> data{1, 2, 3};
    REQUIRE(collect_on(rt, ws::iter(std::span<const int>(data))) == data);
}

TEST_CASE("stream_from_channel_yields_values_in_order_until_senders_are_gone", "[stream]") {
    weir::runtime rt{workers(2)};
    auto got = rt.block_on([]() -> weir::task<std::vector<int>> {
        auto [tx, rx] = weir::mpsc::channel<int>(2);
        auto producer = weir::spawn([](weir::mpsc::sender<int> t) -> weir::task<void> {
            for (int i = 0; i < 100; ++i) co_await t.send(i);
        }(std::move(tx)));
        auto v = co_await ws::from_channel(std::move(rx)).collect();
        co_await producer;
        co_return v;
    }());
    REQUIRE(got.size() == 100);
    for (int i = 0; i < 100; ++i) REQUIRE(got[i] == i);
}

TEST_CASE("stream_from_channel_rejects_an_empty_receiver", "[stream]") {
    auto [tx, rx] = weir::mpsc::channel<int>(1);
    auto moved = std::move(rx);
    REQUIRE_THROWS_AS(ws::from_channel(std::move(rx)), std::invalid_argument);
}

TEST_CASE("stream_interval_ticks_at_once_then_every_period_keeping_phase", "[stream]") {
    weir::runtime rt{workers(1)};
    auto ticks = rt.block_on([]() -> weir::task<std::vector<weir::clock::time_point>> {
        co_return co_await ws::interval(5ms).take(4).collect();
    }());
    REQUIRE(ticks.size() == 4);
    for (int i = 1; i < 4; ++i) REQUIRE(ticks[i] - ticks[i - 1] == 5ms);  // scheduled instants
    REQUIRE_THROWS_AS(ws::interval(0ms), std::invalid_argument);
}

TEST_CASE("stream_once_empty_and_repeat", "[stream]") {
    weir::runtime rt{workers(1)};
    REQUIRE(collect_on(rt, ws::once(std::string("x"))) == std::vector<std::string>{"x"});
    REQUIRE(collect_on(rt, ws::empty<int>()).empty());
    REQUIRE(collect_on(rt, ws::repeat(7).take(3)) == std::vector<int>{7, 7, 7});
}

namespace {
ws::generator<int> count_to(int n, int* produced) {
    for (int i = 0; i < n; ++i) {
        ++*produced;
        co_await weir::yield_now();
        co_yield i;
    }
}
ws::generator<int> guarded(int* alive) {
    alive_counter guard(alive);
    for (int i = 0;; ++i) co_yield i;
}
ws::generator<int> fails_after(int n) {
    for (int i = 0; i < n; ++i) co_yield i;
    throw std::runtime_error("generator failed");
}
}  // namespace

TEST_CASE("stream_generator_yields_across_awaits", "[stream]") {
    weir::runtime rt{workers(1)};
    int produced = 0;
    REQUIRE(collect_on(rt, count_to(5, &produced)) == std::vector<int>{0, 1, 2, 3, 4});
}

TEST_CASE("stream_generator_producer_waits_for_the_consumer_backpressure", "[stream]") {
    weir::runtime rt{workers(1)};
    int produced = 0;
    auto seen = rt.block_on([](int* p) -> weir::task<std::vector<int>> {
        auto g = count_to(100, p);
        std::vector<int> at;
        for (int i = 0; i < 3; ++i) {
            co_await g.next();
            co_await weir::sleep(1ms);  // the consumer is slow; the producer must not run ahead
            at.push_back(*p);
        }
        co_return at;
    }(&produced));
    REQUIRE(seen == std::vector<int>{1, 2, 3});
}

TEST_CASE("stream_generator_is_a_stream", "[stream]") {
    weir::runtime rt{workers(1)};
    int produced = 0;
    auto got = collect_on(rt, count_to(100, &produced).map([](int x) { return x * 10; }).take(3));
    REQUIRE(got == std::vector<int>{0, 10, 20});
    REQUIRE(produced == 3);
}

TEST_CASE("stream_generator_abandoned_half_way_destroys_its_frame_and_locals", "[stream]") {
    weir::runtime rt{workers(1)};
    int alive = 0;
    auto got = rt.block_on([](int* a) -> weir::task<std::pair<int, int>> {
        int during = 0;
        {
            auto g = guarded(a);
            co_await g.next();
            co_await g.next();
            during = *a;
        }
        co_return std::pair{during, *a};
    }(&alive));
    REQUIRE(got.first == 1);   // the generator's local was alive while suspended at co_yield
    REQUIRE(got.second == 0);  // and destroyed with the generator
    REQUIRE(alive == 0);
}

TEST_CASE("stream_generator_exception_reaches_the_consumer", "[stream]") {
    weir::runtime rt{workers(1)};
    REQUIRE_THROWS_WITH(rt.block_on(fails_after(3).collect()), "generator failed");
    REQUIRE(rt.block_on(fails_after(3).take(3).count()) == 3);  // never pulled far enough
}

TEST_CASE("stream_generator_misuse_gives_clear_errors", "[stream]") {
    weir::runtime rt{workers(1)};
    ws::generator<int> empty;
    REQUIRE_THROWS_AS(rt.block_on(empty.next()), std::logic_error);
}

TEST_CASE("stream_boxed_erases_the_type", "[stream]") {
    weir::runtime rt{workers(1)};
    auto evens = [](int n) -> ws::boxed<int> {
        return ws::iter(0, n).filter([](int x) { return x % 2 == 0; });
    };
    std::vector<ws::boxed<int>> many;
    many.push_back(evens(5));
    many.push_back(ws::iter(10, 12));
    many.push_back(ws::iter(0, 3).boxed());
    REQUIRE(collect_on(rt, std::move(many[0])) == std::vector<int>{0, 2, 4});
    REQUIRE(collect_on(rt, std::move(many[1])) == std::vector<int>{10, 11});
    REQUIRE(collect_on(rt, std::move(many[2])) == std::vector<int>{0, 1, 2});
}

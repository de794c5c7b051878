// weir::task: laziness, values, void, exceptions, move-only ownership, and the 10M-deep chain.
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <weir/weir.hpp>

namespace {

weir::task<int> forty_two() { co_return 42; }
weir::task<void> nothing() { co_return; }
weir::task<int> thrower() {
    throw std::runtime_error("boom");
    co_return 0;
}
weir::task<int> add_one(int x) { co_return x + 1; }

}  // namespace

TEST_CASE("task_co_await_gives_value", "[task]") {
    weir::runtime rt(weir::runtime::options{.worker_threads = 1});
    auto t = []() -> weir::task<int> {
        int a = co_await forty_two();
        co_await nothing();
        co_return a + co_await add_one(1);
    };
    REQUIRE(rt.block_on(t()) == 44);
}

TEST_CASE("task_is_lazy", "[task]") {
    bool ran = false;
    auto make = [&]() -> weir::task<void> {
        ran = true;
        co_return;
    };
    {
        auto t = make();
        REQUIRE_FALSE(ran);
    }
    REQUIRE_FALSE(ran);  // destroyed without ever running
    weir::runtime rt(weir::runtime::options{.worker_threads = 1});
    rt.block_on(make());
    REQUIRE(ran);
}

TEST_CASE("task_exception_propagates_through_co_await", "[task]") {
    weir::runtime rt(weir::runtime::options{.worker_threads = 1});
    auto t = []() -> weir::task<std::string> {
        try {
            co_await thrower();
        } catch (const std::runtime_error& e) {
            co_return std::string("caught ") + e.what();
        }
        co_return "not thrown";
    };
    REQUIRE(rt.block_on(t()) == "caught boom");
    REQUIRE_THROWS_AS(rt.block_on(thrower()), std::runtime_error);
}

TEST_CASE("task_is_move_only", "[task]") {
    STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<weir::task<int>>);
    STATIC_REQUIRE(std::is_nothrow_move_constructible_v<weir::task<int>>);
    weir::runtime rt(weir::runtime::options{.worker_threads = 1});
    auto a = forty_two();
    auto b = std::move(a);
    REQUIRE_FALSE(a.valid());
    REQUIRE(b.valid());
    REQUIRE(rt.block_on(std::move(b)) == 42);
}

TEST_CASE("task_empty_or_reawaited_is_a_clear_error", "[task]") {
    weir::runtime rt(weir::runtime::options{.worker_threads = 1});
    REQUIRE_THROWS_AS(rt.block_on(weir::task<int>{}), std::invalid_argument);
    auto twice = []() -> weir::task<void> {
        auto t = forty_two();
        co_await t;
        co_await t;  // the value was taken
    };
    REQUIRE_THROWS_AS(rt.block_on(twice()), std::logic_error);
}

TEST_CASE("task_ten_million_sequential_co_awaits_do_not_grow_the_stack", "[task][stress]") {
    weir::runtime rt(weir::runtime::options{.worker_threads = 1});
    auto chain = []() -> weir::task<long long> {
        long long sum = 0;
        for (int i = 0; i < 10'000'000; ++i) sum += co_await add_one(i);
        co_return sum;
    };
    long long n = 10'000'000;
    REQUIRE(rt.block_on(chain()) == n * (n - 1) / 2 + n);
}

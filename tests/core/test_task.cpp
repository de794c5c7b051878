// weir::task: laziness, values, void, exceptions, move-only ownership, and the 10M-deep chain.
#include <catch2/catch.hpp>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>
#include <utility>
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

TEST_CASE("task_catches_what_is_thrown_after_a_suspension_in_a_loop", "[task]") {
    // The shape clang 19 mistranslates with native wasm exceptions unless the pass plugin
    // wasm/toolchain/eh_pad_entry_split.cpp runs (docs/wasm.md, "A clang 19 defect"): in a loop, a
    // try holding a call that may throw before a real suspension (the await's cancellation
    // check) and a throw after it. Without the plugin the second throw leaves the coroutine.
    weir::runtime rt(weir::runtime::options{.worker_threads = 1});
    auto t = [](int rounds, bool fail) -> weir::task<int> {
        int caught = 0;
        for (int i = 0; i < rounds; ++i) {
            try {
                co_await weir::yield_now();
                if (fail) throw std::runtime_error("after the suspension");
            } catch (const std::runtime_error&) {
                ++caught;
            }
        }
        co_return caught;
    };
    REQUIRE(rt.block_on(t(5, true)) == 5);
    REQUIRE(rt.block_on(t(5, false)) == 0);
}

TEST_CASE("task_sorts_what_it_caught_by_rethrowing_it_inside_the_catch_in_a_loop", "[task]") {
    // The same shape with a try nested in the handler, whose catch returns into the handler: the
    // first version of the pass plugin crashed clang on it (it stopped copying the handler at
    // the nested catch's end).
    weir::runtime rt(weir::runtime::options{.worker_threads = 1});
    auto t = [](int rounds) -> weir::task<int> {
        int sum = 0;
        for (int i = 0; i < rounds; ++i) {
            try {
                co_await weir::yield_now();
                if (i % 2 == 0) throw i;
                throw std::runtime_error("odd");
            } catch (...) {
                try {
                    throw;
                } catch (int x) {
                    sum += 10 + x;
                } catch (const std::runtime_error&) {
                    sum += 1;
                }
                sum += 100;
            }
        }
        co_return sum;
    };
    REQUIRE(rt.block_on(t(4)) == (10 + 0) + 1 + (10 + 2) + 1 + 4 * 100);
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

namespace {
/// A coroutine type that is not weir's: its promise has no await_transform and sets no
/// this_thread.current. A weir task can await it; it can await weir operations.
struct foreign_coro {
    struct promise_type {
        weir::coro::coroutine_handle<> continuation;
        foreign_coro get_return_object() noexcept {
            return {weir::coro::coroutine_handle<promise_type>::from_promise(*this)};
        }
        weir::coro::suspend_always initial_suspend() noexcept { return {}; }
        struct final_awaiter {
            bool await_ready() noexcept { return false; }
            weir::coro::coroutine_handle<> await_suspend(
                weir::coro::coroutine_handle<promise_type> h) noexcept {
                return h.promise().continuation;
            }
            void await_resume() noexcept {}
        };
        final_awaiter final_suspend() noexcept { return {}; }
        void return_void() noexcept {}
        void unhandled_exception() noexcept { std::terminate(); }
    };
    weir::coro::coroutine_handle<promise_type> h;
    foreign_coro(weir::coro::coroutine_handle<promise_type> c) noexcept : h(c) {}
    foreign_coro(foreign_coro&& o) noexcept : h(std::exchange(o.h, nullptr)) {}
    ~foreign_coro() {
        if (h) h.destroy();
    }
    bool await_ready() const noexcept { return false; }
    weir::coro::coroutine_handle<> await_suspend(weir::coro::coroutine_handle<> c) noexcept {
        h.promise().continuation = c;
        return h;
    }
    void await_resume() const noexcept {}
};

/// Records what this_thread.current is when the run loop resumes it after a timer.
foreign_coro observe_current(const void** seen) {
    co_await weir::sleep(std::chrono::milliseconds(5));
    *seen = weir::detail::this_thread.current;
}
}  // namespace

TEST_CASE("no_coroutine_is_current_between_the_runs_of_tasks", "[task]") {
    // One worker: task b spawns a, then awaits a foreign coroutine that sleeps. a runs and
    // finishes (its frame is freed) before the timer resumes the foreign coroutine straight from
    // the run loop. this_thread.current must not still name a's freed promise then: code that
    // reads it outside a weir coroutine's resumption (tracing, prepare() from a foreign
    // coroutine) would read freed memory.
    weir::runtime rt(weir::runtime::options{.worker_threads = 1});
    const void* seen = &seen;
    rt.block_on([](const void** seen) -> weir::task<void> {
        auto b = weir::spawn([](const void** seen) -> weir::task<void> {
            auto a = weir::spawn([]() -> weir::task<void> { co_return; }());
            co_await observe_current(seen);
            co_await a;
        }(seen));
        co_await b;
    }(&seen));
    REQUIRE(seen == nullptr);
}

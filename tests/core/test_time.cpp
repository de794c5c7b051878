// Timers: sleep, sleep_until, timeout, interval, and the timer wheel itself.
#include <catch2/catch.hpp>
#include <chrono>
#include <random>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using weir_test::workers;

#include "../../core/src/timer_wheel.hpp"

using namespace std::chrono_literals;

TEST_CASE("sleep_waits_at_least_the_duration", "[time]") {
    weir::runtime rt(workers(2));
    auto elapsed = rt.block_on([]() -> weir::task<weir::clock::duration> {
        auto start = weir::clock::now();
        co_await weir::sleep(20ms);
        co_return weir::clock::now() - start;
    }());
    REQUIRE(elapsed >= 20ms);
}

TEST_CASE("sleep_zero_and_negative_complete_at_once", "[time]") {
    weir::runtime rt(workers(1));
    rt.block_on([]() -> weir::task<void> {
        co_await weir::sleep(0ms);
        co_await weir::sleep(-5ms);
        co_await weir::sleep_until(weir::clock::now() - 1s);
    }());
    SUCCEED();
}

TEST_CASE("sleep_until_waits_for_the_time_point", "[time]") {
    weir::runtime rt(workers(1));
    auto late = rt.block_on([]() -> weir::task<bool> {
        auto at = weir::clock::now() + 15ms;
        co_await weir::sleep_until(at);
        co_return weir::clock::now() >= at;
    }());
    REQUIRE(late);
}

TEST_CASE("sleep_huge_duration_does_not_overflow_and_is_cancellable", "[time]") {
    weir::runtime rt(workers(1));
    auto t = []() -> weir::task<bool> {
        auto r = co_await weir::select(weir::sleep(std::chrono::hours(24 * 365 * 1000)),
                                       weir::sleep(5ms));
        co_return r.index() == 1;
    };
    REQUIRE(rt.block_on(t()));
}

TEST_CASE("many_sleeps_fire_in_deadline_order", "[time]") {
    weir::runtime rt(workers(1));
    auto order = rt.block_on([]() -> weir::task<std::vector<int>> {
        std::vector<int> out;
        std::vector<weir::task<void>> ts;
        for (int i : {50, 10, 30, 20, 40})
            ts.push_back([](int i, std::vector<int>& out) -> weir::task<void> {
                co_await weir::sleep(std::chrono::milliseconds(i));
                out.push_back(i);
            }(i, out));
        co_await weir::join_all(std::move(ts));
        co_return out;
    }());
    REQUIRE(order == std::vector<int>{10, 20, 30, 40, 50});
}

TEST_CASE("timeout_gives_the_value_when_in_time", "[time]") {
    weir::runtime rt(workers(1));
    auto v = rt.block_on(weir::timeout(1s, []() -> weir::task<int> {
        co_await weir::sleep(1ms);
        co_return 8;
    }()));
    REQUIRE(v == 8);
}

TEST_CASE("timeout_throws_timed_out_and_cleans_up", "[time]") {
    weir::runtime rt(workers(1));
    bool cleaned = false;
    auto t = [](bool& cleaned) -> weir::task<void> {
        struct guard {
            bool& c;
            ~guard() { c = true; }
        };
        guard g{cleaned};
        co_await weir::sleep(10s);
    };
    auto start = weir::clock::now();
    REQUIRE_THROWS_AS(rt.block_on(weir::timeout(10ms, t(cleaned))), weir::timed_out);
    REQUIRE(cleaned);
    REQUIRE(weir::clock::now() - start < 5s);
}

TEST_CASE("timeout_gives_the_value_of_a_task_that_finished_anyway_after_the_deadline", "[time]") {
    // As an I/O call the kernel completed while the deadline passed: its value is the truth.
    weir::runtime rt(workers(1));
    auto v = rt.block_on(weir::timeout(1ms, []() -> weir::task<int> {
        try {
            co_await weir::sleep(10s);
        } catch (const weir::operation_cancelled&) {
        }
        co_return 5;
    }()));
    REQUIRE(v == 5);
}

TEST_CASE("timeout_of_void_task", "[time]") {
    weir::runtime rt(workers(1));
    rt.block_on(weir::timeout(1s, weir::sleep(1ms)));
    REQUIRE_THROWS_AS(rt.block_on(weir::timeout(1ms, weir::sleep(1s))), weir::timed_out);
}

TEST_CASE("interval_ticks_at_the_period", "[time]") {
    weir::runtime rt(workers(1));
    auto elapsed = rt.block_on([]() -> weir::task<weir::clock::duration> {
        weir::interval iv(10ms);
        auto start = weir::clock::now();
        co_await iv.tick();  // first tick is immediate
        auto first = weir::clock::now() - start;
        for (int i = 0; i < 5; ++i) co_await iv.tick();
        REQUIRE(first < 10ms);
        co_return weir::clock::now() - start;
    }());
    REQUIRE(elapsed >= 50ms);
}

TEST_CASE("interval_rejects_a_zero_period", "[time]") {
    REQUIRE_THROWS_AS(weir::interval(0ms), std::invalid_argument);
}

namespace {
struct fired_entry : weir::detail::timer_entry {
    int id = 0;
};
}  // namespace

TEST_CASE("timer_wheel_fires_each_entry_once_at_its_deadline", "[time][wheel]") {
    weir::detail::timer_wheel wheel;
    std::mt19937_64 rng(42);
    std::vector<fired_entry> entries(5000);
    for (int i = 0; i < 5000; ++i) {
        entries[i].id = i;
        // Spread over every level: up to ~2^32 ms.
        int shift = static_cast<int>(rng() % 33);
        entries[i].deadline = 1 + (rng() % (std::uint64_t(1) << shift));
        REQUIRE(wheel.insert(&entries[i]));
    }
    // Cancel every 7th in O(1).
    for (int i = 0; i < 5000; i += 7) wheel.remove(&entries[i]);
    std::vector<int> fired_at(5000, -1);
    std::uint64_t now = 0;
    std::size_t count = 0;
    while (!wheel.empty()) {
        auto next = wheel.next_expiration();
        REQUIRE(next);
        REQUIRE(*next >= now);
        now = *next;
        weir::detail::intrusive_list<weir::detail::timer_entry> fired;
        wheel.advance(now, fired);
        while (auto* e = fired.pop_front()) {
            auto* f = static_cast<fired_entry*>(e);
            REQUIRE(f->deadline <= now);
            REQUIRE(fired_at[f->id] == -1);
            fired_at[f->id] = static_cast<int>(now >= f->deadline);
            REQUIRE(now == f->deadline);  // never late when advanced to each expiration
            ++count;
        }
    }
    REQUIRE(count == 5000 - (5000 + 6) / 7);
    for (int i = 0; i < 5000; ++i) REQUIRE((fired_at[i] == -1) == (i % 7 == 0));
}

TEST_CASE("timer_wheel_rejects_past_deadlines", "[time][wheel]") {
    weir::detail::timer_wheel wheel;
    weir::detail::intrusive_list<weir::detail::timer_entry> fired;
    wheel.advance(100, fired);
    fired_entry e;
    e.deadline = 100;
    REQUIRE_FALSE(wheel.insert(&e));
    e.deadline = 101;
    REQUIRE(wheel.insert(&e));
    REQUIRE(wheel.next_expiration() == std::optional<std::uint64_t>(101));
    wheel.remove(&e);
    REQUIRE(wheel.empty());
}

TEST_CASE("timer_wheel_far_timers_after_long_uptime_do_not_spin", "[time][wheel]") {
    // After ~12 days of uptime, a timer beyond the wheel's span (or about 2 years out) used to make
    // advance() loop forever on the top level.
    weir::detail::timer_wheel wheel;
    weir::detail::intrusive_list<weir::detail::timer_entry> fired;
    const std::uint64_t start = (std::uint64_t(1) << 30) + 12345;
    wheel.advance(start, fired);
    fired_entry far_timer, near_timer, two_years;
    far_timer.deadline = start + (std::uint64_t(1) << 40);
    two_years.deadline = start + (std::uint64_t(1) << 36) - 1000;
    near_timer.deadline = start + 5;
    REQUIRE(wheel.insert(&far_timer));
    REQUIRE(wheel.insert(&two_years));
    REQUIRE(wheel.insert(&near_timer));
    auto next = wheel.next_expiration();
    REQUIRE(next);
    REQUIRE(*next <= near_timer.deadline);
    int steps = 0;
    while (fired.empty() && steps++ < 100) wheel.advance(*wheel.next_expiration(), fired);
    REQUIRE(fired.pop_front() == &near_timer);
    REQUIRE(fired.empty());
    // Jumping far ahead fires the two-year timer and keeps the far one, in bounded steps.
    for (steps = 0; steps < 1000 && fired.empty(); ++steps)
        wheel.advance(std::min<std::uint64_t>(*wheel.next_expiration(), two_years.deadline), fired);
    REQUIRE(steps < 1000);
    REQUIRE(fired.pop_front() == &two_years);
    REQUIRE(far_timer.in_wheel);
    wheel.remove(&far_timer);
    REQUIRE(wheel.empty());
}

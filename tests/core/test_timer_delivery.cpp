// How fired timers reach their tasks (timers.cpp, process_timers): a maintenance pass hands on
// only as many as the worker's queue has room for, and the rest wait due in the wheel, so that
// tasks woken by timers run ahead of a backlog in the global queue rather than behind it, while
// timers keep firing on a worker whose queue stays full. The wheel's due list is tested here too.
// Counted, not timed: what a woken task saw of the backlog when it ran.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <optional>
#include <thread>
#include <vector>
#include <weir/weir.hpp>

#include "../../core/src/timer_wheel.hpp"
#include "helpers.hpp"

using namespace std::chrono_literals;

namespace {

struct delivery_state {
    weir::clock::time_point deadline;
    std::atomic<std::size_t> registered{0};
    std::atomic<std::size_t> backlog_ran{0};
    std::vector<std::size_t> backlog_seen_at_wake;
};

weir::task<void> timer_sleeper(delivery_state* s, std::size_t i) {
    s->registered.fetch_add(1, std::memory_order_relaxed);
    co_await weir::sleep_until(s->deadline);
    s->backlog_seen_at_wake[i] = s->backlog_ran.load(std::memory_order_relaxed);
}

weir::task<void> backlog_task(delivery_state* s) {
    s->backlog_ran.fetch_add(1, std::memory_order_relaxed);
    co_return;
}

// Sleepers set their timers; the deadline passes while this task holds the worker; then a
// backlog of never-run tasks is spawned behind the due timers.
weir::task<void> sleepers_then_backlog(delivery_state* s, std::size_t sleepers,
                                       std::size_t backlog) {
    for (std::size_t i = 0; i < sleepers; ++i) weir::spawn(timer_sleeper(s, i));
    while (s->registered.load(std::memory_order_relaxed) < sleepers) co_await weir::yield_now();
    while (weir::clock::now() < s->deadline + 2ms) {
    }
    for (std::size_t i = 0; i < backlog; ++i) weir::spawn(backlog_task(s));
}

struct due_entry : weir::detail::timer_entry {
    int id = 0;
};

}  // namespace

TEST_CASE("tasks_woken_by_timers_run_ahead_of_a_backlog_of_spawned_tasks", "[time][scheduler]") {
    // 1,000 timers fall due at once, in front of 50,000 spawned tasks that have not run yet.
    // Handed on all at once, the woken tasks overflowed the worker's queue to the back of the
    // global queue and ran after nearly the whole backlog (each saw 49,000-50,000 of it run).
    constexpr std::size_t sleepers = 1000, backlog = 50'000;
    weir::runtime rt{weir_test::workers(1)};
    delivery_state s;
    s.deadline = weir::clock::now() + 5ms;
    s.backlog_seen_at_wake.assign(sleepers, backlog + 1);
    rt.block_on([&]() -> weir::task<void> {
        co_await weir::spawn(sleepers_then_backlog(&s, sleepers, backlog));
        while (s.backlog_ran.load(std::memory_order_relaxed) < backlog) co_await weir::sleep(1ms);
        co_await weir::sleep(2ms);  // any sleeper still queued runs meanwhile
    }());
    std::size_t latest = 0;
    for (std::size_t seen : s.backlog_seen_at_wake) latest = std::max(latest, seen);
    INFO("the most of the backlog any woken task saw run before it: " << latest);
    REQUIRE(latest <= backlog);  // every sleeper ran
    CHECK(latest < backlog / 4);
}

TEST_CASE("timers_keep_firing_on_a_worker_whose_queue_stays_full", "[time][scheduler][threads]") {
    // As many tasks as the worker's queue holds (256) yield until a sleeper wakes: each run takes
    // one from the queue and its yield puts it back, so the queue is full at every pass and
    // never overflows. Handing on only what fits, no timer would ever fire (the floor). A
    // watchdog thread ends the yielders after 30 s so that such a runtime fails, not hangs.
    constexpr int yielders = 256;
    weir::runtime rt{weir_test::workers(1)};
    std::atomic<bool> stop{false}, timer_fired{false};
    std::atomic<int> running{0};
    std::vector<weir::join_handle<void>> hs;
    for (int i = 0; i < yielders; ++i)
        hs.push_back(rt.spawn([](std::atomic<bool>* s, std::atomic<int>* r) -> weir::task<void> {
            r->fetch_add(1, std::memory_order_relaxed);
            while (!s->load(std::memory_order_relaxed)) co_await weir::yield_now();
        }(&stop, &running)));
    auto sleeper = rt.spawn([](std::atomic<bool>* s, std::atomic<bool>* fired,
                               std::atomic<int>* r) -> weir::task<void> {
        while (r->load(std::memory_order_relaxed) < yielders) co_await weir::yield_now();
        co_await weir::sleep(3ms);
        fired->store(true);
        s->store(true, std::memory_order_relaxed);
    }(&stop, &timer_fired, &running));
    std::atomic<bool> gave_up{false};
    std::thread watchdog([&stop, &gave_up] {
        for (int i = 0; i < 3000 && !stop.load(); ++i) std::this_thread::sleep_for(10ms);
        if (!stop.exchange(true)) gave_up.store(true);
    });
    for (auto& h : hs) rt.block_on(std::move(h));
    watchdog.join();
    REQUIRE_FALSE(gave_up.load());  // the yielders ended because the timer fired
    REQUIRE(timer_fired.load());
    rt.block_on(std::move(sleeper));
}

TEST_CASE("timer_wheel_hands_due_timers_on_in_order_up_to_a_limit", "[time][wheel]") {
    weir::detail::timer_wheel wheel;
    std::vector<due_entry> e(10);
    for (int i = 0; i < 10; ++i) {
        e[i].id = i;
        e[i].deadline = 1 + static_cast<std::uint64_t>(i % 3);  // due at ticks 1, 2 and 3
        REQUIRE(wheel.insert(&e[i]));
    }
    wheel.advance(5);
    REQUIRE(wheel.due_count() == 10);
    REQUIRE(wheel.next_expiration() == std::optional<std::uint64_t>(5));  // due now
    REQUIRE_FALSE(wheel.empty());
    wheel.remove(&e[4]);  // a due timer can still be cancelled
    REQUIRE_FALSE(e[4].in_wheel);
    REQUIRE(wheel.due_count() == 9);
    weir::detail::intrusive_list<weir::detail::timer_entry> fired;
    wheel.take_due(4, fired);
    REQUIRE(fired.size() == 4);
    std::vector<std::uint64_t> deadlines;
    while (auto* f = fired.pop_front()) {
        REQUIRE_FALSE(f->in_wheel);
        deadlines.push_back(f->deadline);
    }
    wheel.take_due(100, fired);
    REQUIRE(fired.size() == 5);
    while (auto* f = fired.pop_front()) deadlines.push_back(f->deadline);
    REQUIRE(std::is_sorted(deadlines.begin(), deadlines.end()));  // in the order they fell due
    REQUIRE(wheel.empty());
    REQUIRE_FALSE(wheel.next_expiration());
}

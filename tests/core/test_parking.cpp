// What parked workers do for the busy ones (parking.cpp): the timer role passes to a sleeping
// worker when its holder leaves park, and a task left in the LIFO slot of a worker stuck in one
// long poll is taken and run elsewhere.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <weir/weir.hpp>

#include "helpers.hpp"

using weir_test::on_worker;
using weir_test::workers;

using namespace std::chrono_literals;

namespace {
/// Keeps the calling worker inside one poll until flag is set, or for `limit` (a bound on a
/// failure, far above what the test needs). Returns whether the flag was set.
bool spin_until(const std::atomic<bool>& flag, std::chrono::seconds limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (!flag.load() && std::chrono::steady_clock::now() < until) {
    }
    return flag.load();
}

/// Spawns a task from this worker (so it goes into the worker's LIFO slot, which announces
/// nothing to parked workers), then stays inside this poll until that task has run elsewhere, or
/// for 10 s. Returns whether it ran.
weir::task<bool> spawn_into_the_lifo_slot_and_spin() {
    std::atomic<bool> flag{false};
    auto h = weir::spawn([](std::atomic<bool>& f) -> weir::task<void> {
        f.store(true);
        co_return;
    }(flag));
    bool r = spin_until(flag, 10s);
    co_await h;
    co_return r;
}
}  // namespace

TEST_CASE("timers_fire_while_the_worker_that_held_the_timer_role_runs_a_long_poll",
          "[runtime][timer][threads]") {
    // Both workers park; the one holding the timer role wakes for the 10 ms timer and runs this
    // task, which then spins until the 50 ms timer of the other task has fired. The other worker
    // sleeps on: unless the role passed to it, nobody fires that timer before the spin ends.
    weir::runtime rt(workers(2));
    bool fired = rt.block_on(on_worker([]() -> weir::task<bool> {
        std::atomic<bool> ticked{false};
        auto ticker = weir::spawn([](std::atomic<bool>& ticked) -> weir::task<void> {
            co_await weir::sleep(50ms);
            ticked.store(true);
        }(ticked));
        co_await weir::sleep(10ms);  // resumed by the worker that held the timer role
        bool r = spin_until(ticked, 10s);
        co_await ticker;
        co_return r;
    }()));
    REQUIRE(fired);
}

TEST_CASE("a_task_woken_into_the_lifo_slot_of_a_worker_stuck_in_one_poll_runs_elsewhere",
          "[runtime][threads]") {
    // This task wakes another into its worker's LIFO slot (spawn from a worker), which announces
    // nothing to the parked worker, then spins until that task has run. It can only run on the
    // other worker, which must notice the stuck slot and take the task.
    weir::runtime rt(workers(2));
    bool ran = rt.block_on(on_worker([]() -> weir::task<bool> {
        co_await weir::sleep(10ms);  // both workers park first
        co_return co_await spawn_into_the_lifo_slot_and_spin();
    }()));
    REQUIRE(ran);
    std::uint64_t rescues = 0;
    for (const auto& w : rt.metrics().per_worker) rescues += w.lifo_rescues;
    REQUIRE(rescues >= 1);
}

TEST_CASE("a_task_woken_into_the_lifo_slot_of_a_worker_woken_from_idle_runs_elsewhere",
          "[runtime][threads]") {
    // Every worker parks first, so the timer owner sleeps without the watch's cap (nobody runs).
    // Then a task spawned from outside wakes one worker (not necessarily the owner), wakes a
    // second task into that worker's LIFO slot and spins. The owner must learn that a worker
    // runs, cap its sleep, and take the task: without that it waited for the spin to end.
    for (std::size_t n : {2u, 3u}) {
        weir::runtime rt(workers(n));
        auto all_parked_once = [&] {
            for (const auto& w : rt.metrics().per_worker)
                if (w.parks == 0) return false;
            return true;
        };
        auto until = std::chrono::steady_clock::now() + 10s;
        while (!all_parked_once() && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(1ms);
        std::this_thread::sleep_for(50ms);  // and are asleep, not between two parks
        bool ran = rt.block_on(on_worker(spawn_into_the_lifo_slot_and_spin()));
        INFO("workers: " << n);
        REQUIRE(ran);
    }
}

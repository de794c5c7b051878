// What parked workers do for the busy ones (parking.cpp): the timer role passes to a sleeping
// worker when its holder leaves park, and a task left in the LIFO slot of a worker stuck in one
// long poll is taken and run elsewhere.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <vector>
#include <weir/weir.hpp>

#if defined(__linux__) && !defined(__EMSCRIPTEN__)
#include <sched.h>
#endif

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

#if defined(__linux__) && !defined(__EMSCRIPTEN__)
namespace {
/// Pins the calling thread, and so the threads it creates while pinned, to one CPU it may run
/// on; restores its affinity when destroyed.
struct pinned_to_one_cpu {
    cpu_set_t old{};
    bool ok = false;
    pinned_to_one_cpu() {
        if (sched_getaffinity(0, sizeof old, &old) != 0) return;
        for (int c = 0; c < CPU_SETSIZE; ++c) {
            if (!CPU_ISSET(c, &old)) continue;
            cpu_set_t one;
            CPU_ZERO(&one);
            CPU_SET(c, &one);
            ok = sched_setaffinity(0, sizeof one, &one) == 0;
            return;
        }
    }
    ~pinned_to_one_cpu() {
        if (ok) sched_setaffinity(0, sizeof old, &old);
    }
};
weir::task<void> a_trivial_remote_task() { co_return; }
weir::task<void> join_in_order(std::vector<weir::join_handle<void>>& hs) {
    for (auto& h : hs) co_await h;
}
}  // namespace

TEST_CASE("a_worker_fed_from_outside_gives_the_cpu_back_before_it_parks", "[runtime][threads]") {
    // The spawning thread and the one worker share one CPU. Each spawn's wake-up of a parked
    // worker lets it preempt the spawner; if it parked as soon as it had run what was queued,
    // the spawner would wake it again a few tasks later (136-170 parks per round of 10,000
    // measured without the yield, kernel 6.18). Yielding once first lets the spawner fill the
    // queue: 0-6 parks in all 10 rounds. Counted, not timed. It relies on the kernel giving the
    // CPU to the other runnable thread of that CPU at a yield (Linux's EEVDF scheduler does).
    pinned_to_one_cpu pin;
    if (!pin.ok) {
        WARN("this thread cannot be pinned to one CPU here: nothing to measure");
        return;
    }
    weir::runtime rt(workers(1));
    auto parks_now = [&] { return rt.metrics().per_worker.at(0).parks; };
    // block_on runs its task on this thread: wait for the worker's first park, so that the
    // count starts from a sleeping worker.
    auto until = std::chrono::steady_clock::now() + 10s;
    while (parks_now() == 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(1ms);
    std::uint64_t before = parks_now();
    constexpr int rounds = 10;
    std::vector<weir::join_handle<void>> hs;
    hs.reserve(10'000);
    for (int r = 0; r < rounds; ++r) {
        for (int i = 0; i < 10'000; ++i) hs.push_back(rt.spawn(a_trivial_remote_task()));
        rt.block_on(join_in_order(hs));
        hs.clear();
    }
    std::uint64_t parks = parks_now() - before;
    INFO("worker parks in " << rounds << " rounds of 10,000 remote spawns: " << parks);
    REQUIRE(parks <= 20 * rounds);
}
#endif

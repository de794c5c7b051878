// Stealing that does not pay (scheduler.cpp): a steal is judged by how long the stolen tasks
// ran, and while steals do not pay, pushes to a worker's own queue leave parked workers asleep.
// Tiny tasks then stay where they were spawned; tasks long enough to share still spread, also
// after a run of tiny ones made the runtime hold back; and a task queued behind a worker stuck in
// one long poll is still taken by a parked worker (the timer owner's watch, parking.cpp).
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <set>
#include <thread>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using weir_test::on_worker;
using weir_test::workers;

using namespace std::chrono_literals;

namespace {
namespace ws = weir::stream;

weir::task<std::uint64_t> tiny_square(std::uint64_t x) { co_return x* x; }

/// spawn_buffered(100) over n tiny items, on a worker: the count of even squares.
weir::task<std::size_t> tiny_spawned_pipeline(std::uint64_t n) {
    auto v = co_await ws::iter(std::uint64_t(0), n)
                 .map(tiny_square)
                 .spawn_buffered(100)
                 .filter([](std::uint64_t x) { return x % 2 == 0; })
                 .collect();
    co_return v.size();
}

std::uint64_t steal_operations(weir::runtime& rt) {
    std::uint64_t n = 0;
    for (const auto& w : rt.metrics().per_worker) n += w.steal_operations;
    return n;
}

/// The threads that ran the heavy items of one pipeline, whether any item saw the runtime's
/// steals_unpaid metric false as it ended, and one deadline for all the items.
struct heavy_phase {
    weir::runtime* rt;
    std::chrono::steady_clock::time_point deadline;
    std::mutex m;
    std::set<std::thread::id> ids;
    std::atomic<bool> saw_paid{false};
    std::size_t count() {
        std::lock_guard<std::mutex> lk(m);
        return ids.size();
    }
};

/// An item that keeps its worker busy: it spins until two threads have run items (or the
/// phase's deadline, a bound on a failure far above what the test needs), then 1 ms more, so
/// that a thief's stolen items run long enough for its steal to pay.
weir::task<int> heavy_item(heavy_phase* p, int x) {
    {
        std::lock_guard<std::mutex> lk(p->m);
        p->ids.insert(std::this_thread::get_id());
    }
    while (p->count() < 2 && std::chrono::steady_clock::now() < p->deadline) {
    }
    auto until = std::chrono::steady_clock::now() + 1ms;
    while (std::chrono::steady_clock::now() < until) {
    }
    if (!p->rt->metrics().steals_unpaid) p->saw_paid.store(true);
    co_return x;
}

weir::task<std::size_t> heavy_spawned_pipeline(heavy_phase* p) {
    auto v = co_await ws::iter(0, 16)
                 .map([p](int x) { return heavy_item(p, x); })
                 .spawn_buffered(8)
                 .collect();
    co_return v.size();
}

/// On a worker, after a 30 ms spin: spawns a task that sets `ran`, then one that spins until `ran`
/// is set or for 10 s. The second goes to this worker's LIFO slot and the first to its queue; once
/// this task awaits, the worker runs the spinner, and the first task can only run if another worker
/// takes it. Returns whether it ran while the spinner spun.
weir::task<bool> spawn_then_spin_behind_it() {
    // First 30 ms inside this poll, so that the other worker has parked (holding the timer
    // role): the spawns below then find nobody searching.
    auto settle = std::chrono::steady_clock::now() + 30ms;
    while (std::chrono::steady_clock::now() < settle) {
    }
    std::atomic<bool> ran{false};
    auto setter = weir::spawn([](std::atomic<bool>& r) -> weir::task<void> {
        r.store(true);
        co_return;
    }(ran));
    auto spinner = weir::spawn([](std::atomic<bool>& r) -> weir::task<bool> {
        auto until = std::chrono::steady_clock::now() + 10s;
        while (!r.load() && std::chrono::steady_clock::now() < until) {
        }
        co_return r.load();
    }(ran));
    bool seen = co_await spinner;
    co_await setter;
    co_return seen;
}
}  // namespace

TEST_CASE("tiny_spawned_tasks_stay_on_the_worker_that_spawned_them_when_stealing_does_not_pay",
          "[runtime][threads]") {
    // 200,000 tiny tasks through spawn_buffered(100) on two workers. Before steals were judged
    // this made 176,000 steal operations (the second worker woke for every few pushes and took
    // half of the consumer's queue); now the first steals are found not to pay and the second
    // worker mostly sleeps: 570-770 natively, 1,470-1,730 under TSan. The bound, 5% of the
    // items, leaves room for a loaded machine and still fails the old behaviour 17 times over.
    weir::runtime rt(workers(2));
    constexpr std::uint64_t n = 200'000;
    std::size_t evens = rt.block_on(on_worker(tiny_spawned_pipeline(n)));
    CHECK(evens == n / 2);
    std::uint64_t steals = steal_operations(rt);
    INFO("steal operations: " << steals);
    CHECK(steals < 10'000);
}

TEST_CASE("tasks_long_enough_to_share_spread_to_every_worker_after_steals_did_not_pay",
          "[runtime][threads]") {
    // First a run of tiny tasks, after which the runtime usually stops waking parked workers for
    // pushes (steals_unpaid, reported by metrics; a preempted thief can end it with a "paid"
    // verdict instead, which this test cannot rule out); then items that each keep a worker busy
    // until two threads have run items, and 1 ms more. The second worker must join in (the
    // parked timer owner's watch finds the busy worker's queue), and its steal of such items
    // pays: some item sees steals_unpaid false as it ends.
    weir::runtime rt(workers(2));
    REQUIRE(rt.block_on(on_worker(tiny_spawned_pipeline(100'000))) == 50'000);
    INFO("steals_unpaid after the tiny tasks: " << rt.metrics().steals_unpaid);
    heavy_phase p{&rt, std::chrono::steady_clock::now() + 10s};
    std::size_t items = rt.block_on(on_worker(heavy_spawned_pipeline(&p)));
    CHECK(items == 16);
    CHECK(p.count() == 2);
    CHECK(std::chrono::steady_clock::now() < p.deadline);
    CHECK(p.saw_paid.load());
}

TEST_CASE("a_task_queued_behind_a_long_poll_runs_elsewhere_while_steals_do_not_pay",
          "[runtime][threads]") {
    // After tiny tasks, pushes may wake nobody. A task then spawned just before a long one (which
    // takes the LIFO slot and runs) sits alone in the queue: no push announces it and the queue
    // never holds more than the worker runs next. The parked timer owner's watch sees the worker
    // stay in one poll and wakes a searcher, which steals it. Without that rule it waited for
    // the whole poll (here 10 s).
    weir::runtime rt(workers(2));
    REQUIRE(rt.block_on(on_worker(tiny_spawned_pipeline(100'000))) == 50'000);
    INFO("steals_unpaid after the tiny tasks: " << rt.metrics().steals_unpaid);
    CHECK(rt.block_on(on_worker(spawn_then_spin_behind_it())));
}

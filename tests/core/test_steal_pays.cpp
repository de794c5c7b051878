// Stealing that does not pay (scheduler.cpp): a steal is judged by how long the stolen tasks
// ran, and while steals do not pay, pushes to a worker's own queue leave parked workers asleep.
// Tiny tasks then stay where they were spawned; tasks long enough to share still spread, also
// after a run of tiny ones made the runtime hold back.
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

/// The threads that ran the heavy items of one pipeline.
struct seen_threads {
    std::mutex m;
    std::set<std::thread::id> ids;
    std::size_t count() {
        std::lock_guard<std::mutex> lk(m);
        return ids.size();
    }
};

/// An item that keeps its worker busy: it spins until two threads have run items, or for 10 s
/// (a bound on a failure, far above what the test needs). Without a second worker taking part,
/// every item spins its 10 s out.
weir::task<int> heavy_item(seen_threads* seen, int x) {
    {
        std::lock_guard<std::mutex> lk(seen->m);
        seen->ids.insert(std::this_thread::get_id());
    }
    auto until = std::chrono::steady_clock::now() + 10s;
    while (seen->count() < 2 && std::chrono::steady_clock::now() < until) {
    }
    co_return x;
}

weir::task<std::size_t> heavy_spawned_pipeline(seen_threads* seen) {
    auto v = co_await ws::iter(0, 16)
                 .map([seen](int x) { return heavy_item(seen, x); })
                 .spawn_buffered(8)
                 .collect();
    co_return v.size();
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
    // First a run of tiny tasks, which makes the runtime stop waking parked workers for pushes;
    // then items that each keep a worker busy until two threads have run items. The second
    // worker must still join in (the parked timer owner's watch finds the busy worker's queue).
    weir::runtime rt(workers(2));
    REQUIRE(rt.block_on(on_worker(tiny_spawned_pipeline(100'000))) == 50'000);
    seen_threads seen;
    auto t0 = std::chrono::steady_clock::now();
    std::size_t items = rt.block_on(on_worker(heavy_spawned_pipeline(&seen)));
    auto took = std::chrono::steady_clock::now() - t0;
    CHECK(items == 16);
    CHECK(seen.count() == 2);
    // Without a second worker the 16 items would spin 10 s each; with it, none spins long.
    CHECK(took < 10s);
}

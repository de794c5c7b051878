// runtime::metrics() (exact counts in deterministic single-worker scenarios) and
// trace::summarize (per-task polls and times).
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using weir_test::spin_for;
using weir_test::workers;
using namespace std::chrono_literals;

TEST_CASE("metrics_polls_count_every_run_of_a_task_on_its_worker", "[metrics]") {
    weir::runtime rt(workers(1));
    auto before = rt.metrics();
    REQUIRE(before.workers == 1);
    REQUIRE(before.per_worker.size() == 1);
    auto h = rt.spawn([]() -> weir::task<void> {
        for (int i = 0; i < 10; ++i) co_await weir::yield_now();
    }());
    rt.block_on(std::move(h));
    auto after = rt.metrics();
    // The task ran 11 times (its start and after each yield) and nothing else ran there.
    CHECK(after.per_worker[0].polls - before.per_worker[0].polls == 11);
    CHECK(after.remote_spawned - before.remote_spawned == 1);
}

TEST_CASE("metrics_spawned_local_queue_depth_and_live_tasks", "[metrics]") {
    weir::runtime rt(workers(1));
    struct seen {
        std::uint64_t depth = 0, live = 0, spawned = 0;
    } s;
    weir::notify go;
    int waiting = 0;  // every task here runs on the one worker: no race
    rt.block_on(weir_test::on_worker(
        [](weir::runtime& rt, weir::notify& go, seen& s, int& waiting) -> weir::task<void> {
            auto m0 = rt.metrics();
            std::vector<weir::join_handle<void>> hs;
            for (int i = 0; i < 10; ++i)
                hs.push_back(weir::spawn([](weir::notify& go, int& waiting) -> weir::task<void> {
                    ++waiting;  // and waits in the same run
                    co_await go.notified();
                }(go, waiting)));
            auto m1 = rt.metrics();  // none has run: one in the LIFO slot, nine in the queue
            s.depth = m1.per_worker[0].local_queue_depth;
            s.spawned = m1.per_worker[0].spawned - m0.per_worker[0].spawned;
            // Until all ten are waiting (counted: a fixed sleep could let the timer bring this task
            // back first on a loaded machine, and notify_waiters would then miss some of them).
            while (waiting < 10) co_await weir::yield_now();
            s.live = rt.metrics().live_tasks;
            go.notify_waiters();
            for (auto& h : hs) co_await h;
        }(rt, go, s, waiting)));
    CHECK(s.depth == 9);
    CHECK(s.spawned == 10);
    CHECK(s.live == 11);  // the ten and the task that spawned them
    CHECK(rt.metrics().live_tasks == 0);
}

TEST_CASE("metrics_overflow_moves_half_the_local_queue_to_the_global_queue", "[metrics]") {
    weir::runtime rt(workers(1));
    std::uint64_t global = 0;
    weir::runtime_metrics m;
    rt.block_on(weir_test::on_worker(
        [](weir::runtime& rt, std::uint64_t& global, weir::runtime_metrics& m) -> weir::task<void> {
            std::vector<weir::join_handle<void>> hs;
            // 300 spawns without yielding: the LIFO slot holds one, the 256-slot queue overflows
            // once, moving 128 of its tasks and the new one (129) to the global queue.
            for (int i = 0; i < 300; ++i)
                hs.push_back(weir::spawn([]() -> weir::task<void> { co_return; }()));
            m = rt.metrics();  // checked on the main thread (Catch2 is not thread-safe)
            global = m.global_queue_depth;
            for (auto& h : hs) co_await h;
        }(rt, global, m)));
    CHECK(m.per_worker[0].overflows == 1);
    CHECK(m.per_worker[0].local_queue_depth == 300 - 1 - 129);
    CHECK(global == 129);
    CHECK(rt.metrics().global_queue_depth == 0);
}

TEST_CASE("metrics_steals_parks_and_busy_time", "[metrics][threads]") {
    weir::runtime rt(workers(2));
    rt.block_on(weir_test::on_worker(weir_test::spawn_busy_tasks(64, 200us)));
    // Until both workers have parked again: waited for (10 s bounds a hang), not a fixed 5 ms,
    // which a loaded machine may let pass before they do.
    auto parks_of = [](const weir::runtime_metrics& m) {
        std::uint64_t n = 0;
        for (const auto& w : m.per_worker) n += w.parks;
        return n;
    };
    auto m = rt.metrics();
    for (int i = 0; i < 10'000 && parks_of(m) < 2; ++i) {
        std::this_thread::sleep_for(1ms);
        m = rt.metrics();
    }
    std::uint64_t steals = 0, ops = 0, parks = 0;
    std::chrono::nanoseconds busy{0};
    for (const auto& w : m.per_worker) {
        steals += w.steals;
        ops += w.steal_operations;
        parks += w.parks;
        busy += w.busy;
        CHECK(w.steals >= w.steal_operations);
    }
    CHECK(ops >= 1);
    CHECK(parks >= 2);
    // 64 tasks of 200 us ran: at least 12.8 ms of work between the two workers.
    CHECK(busy >= 12ms);
}

TEST_CASE("metrics_global_queue_depth_counts_remote_spawns_waiting_for_a_worker",
          "[metrics][threads]") {
    weir::runtime rt(workers(1));
    std::atomic<bool> release{false}, blocking{false};
    auto hog =
        rt.spawn([](std::atomic<bool>& release, std::atomic<bool>& blocking) -> weir::task<void> {
            blocking = true;
            while (!release.load()) std::this_thread::sleep_for(100us);  // holds the only worker
            co_return;
        }(release, blocking));
    while (!blocking.load()) std::this_thread::sleep_for(100us);
    std::vector<weir::join_handle<void>> hs;
    for (int i = 0; i < 5; ++i) hs.push_back(rt.spawn([]() -> weir::task<void> { co_return; }()));
    CHECK(rt.metrics().global_queue_depth == 5);
    release = true;
    rt.block_on(std::move(hog));
    for (auto& h : hs) rt.block_on(std::move(h));
    CHECK(rt.metrics().global_queue_depth == 0);
}

TEST_CASE("trace_summarize_counts_polls_and_splits_a_task_s_life", "[metrics][trace]") {
    weir::runtime rt(workers(1));
    rt.start_tracing();
    auto h = rt.spawn_named("sleeper", []() -> weir::task<void> {
        spin_for(2ms);                // busy
        co_await weir::sleep(100ms);  // idle
        co_await weir::yield_now();
    }());
    std::uint64_t id = h.id();
    rt.block_on(std::move(h));
    auto l = rt.take_trace();
    auto sum = weir::trace::summarize(l);
    const weir::trace::task_summary* t = nullptr;
    for (const auto& s : sum)
        if (s.task == id) t = &s;
    REQUIRE(t != nullptr);
    CHECK(l.names.at(t->name) == "sleeper");
    CHECK(t->polls == 3);  // start, after the timer, after the yield
    CHECK(t->finished);
    // Wide margins (a loaded CI machine stretches the spin): the 100 ms sleep is idle, not busy.
    // Idle runs from the first poll's recorded end, which comes after the sleep is armed: under
    // ASan on a loaded machine that end was stamped 3 ms late (96.8 ms idle), so 80 ms, not 99.
    CHECK(t->busy_ns >= 2'000'000);
    CHECK(t->idle_ns >= 80'000'000);
    CHECK(t->busy_ns < 50'000'000);
}

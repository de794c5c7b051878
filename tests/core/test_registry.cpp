// How the runtime keeps track of its live tasks (scheduler.hpp, "The registry"): a task enters
// the registry only when a run of it first ends unfinished. Before that it is in a queue, never
// run, or in its first run; shutdown still ends it, and metrics and task dumps still count it.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using weir_test::workers;

using namespace std::chrono_literals;

namespace {

weir::task<void> never_runs(weir_test::counted_alive, std::atomic<int>* ran) {
    ran->fetch_add(1);
    co_return;
}

/// Holds its worker, spawning a child behind itself now and then, until a spawn is refused:
/// the runtime is shutting down, and its worker leaves the loop after this run.
weir::task<void> hold_until_shutdown(std::vector<weir::join_handle<void>>* children,
                                     std::atomic<int>* ran, std::atomic<int>* accepted) {
    for (;;) {
        auto h = weir::spawn(never_runs(weir_test::counted_alive{}, ran));
        bool refused = h.is_finished();  // a spawn that was not refused cannot have run yet
        children->push_back(std::move(h));
        if (refused) co_return;
        accepted->fetch_add(1);
        std::this_thread::sleep_for(200us);
    }
}

weir::task<void> spin_until(std::atomic<bool>* stop) {
    while (!stop->load()) std::this_thread::sleep_for(1ms);
    co_return;
}

weir::task<void> trivial_task() { co_return; }

}  // namespace

TEST_CASE("runtime_shutdown_ends_spawned_tasks_that_never_ran", "[runtime][shutdown][threads]") {
    // Children spawned into the queue of a worker that never gets to them, and tasks spawned
    // from outside into the global queue behind it: no registry holds them. Shutdown finds them
    // in the queues, destroys their frames, and their handles report cancellation.
    weir_test::counted_alive::alive.store(0);
    std::vector<weir::join_handle<void>> children, outside;
    std::atomic<int> ran{0}, accepted{0};
    {
        weir::runtime rt(workers(1));
        auto holder = rt.spawn(hold_until_shutdown(&children, &ran, &accepted));
        for (int i = 0; i < 10'000 && accepted.load() < 3; ++i) std::this_thread::sleep_for(1ms);
        REQUIRE(accepted.load() >= 3);
        for (int i = 0; i < 5; ++i)
            outside.push_back(rt.spawn(never_runs(weir_test::counted_alive{}, &ran)));
        (void)holder;
    }
    INFO("children spawned: " << children.size());
    CHECK(ran.load() == 0);
    CHECK(weir_test::counted_alive::alive.load() == 0);
    weir::runtime rt2(workers(1));
    for (auto* hs : {&children, &outside}) {
        for (auto& h : *hs) {
            REQUIRE(h.is_finished());
            REQUIRE_THROWS_AS(rt2.block_on(std::move(h)), weir::operation_cancelled);
        }
    }
}

TEST_CASE("live_tasks_counts_every_task_while_tasks_enter_the_registry", "[metrics][threads]") {
    // 2,000 tasks each yield 0-3 times, then wait for good: every one of them is live all the
    // time, whether not started, in its first run, in the registry, or moving into it. A count
    // that read the registry before the tasks taken into it lost tasks on their way in.
    constexpr std::size_t n = 2000;
    weir::runtime rt(workers(2));
    weir::notify never;
    std::atomic<std::size_t> waiting{0};
    std::vector<weir::join_handle<void>> hs;
    for (std::size_t i = 0; i < n; ++i)
        hs.push_back(rt.spawn([](std::size_t yields, weir::notify& nv,
                                 std::atomic<std::size_t>& w) -> weir::task<void> {
            for (std::size_t k = 0; k < yields; ++k) co_await weir::yield_now();
            w.fetch_add(1);
            co_await nv.notified();
        }(i % 4, never, waiting)));
    std::size_t lowest = n, reads = 0;
    for (int i = 0; i < 10'000 && waiting.load() < n; ++i, ++reads) {
        lowest = std::min<std::size_t>(lowest, rt.metrics().live_tasks);
        if (i % 16 == 0) {
            std::string d = rt.dump_tasks();
            lowest = std::min<std::size_t>(lowest, std::stoul(d));
        }
    }
    INFO("reads while the tasks settled: " << reads);
    CHECK(lowest >= n);
    CHECK(rt.metrics().live_tasks == n);
    for (auto& h : hs) h.abort();
    for (auto& h : hs) REQUIRE_THROWS_AS(rt.block_on(std::move(h)), weir::operation_cancelled);
    CHECK(rt.metrics().live_tasks == 0);
}

TEST_CASE("live_tasks_and_dump_count_tasks_that_have_not_started", "[metrics][dump][threads]") {
    // One worker held by a task in its first run; five tasks spawned behind it wait in the
    // global queue. All six are live; the dump names the running one and counts the others.
    weir::runtime rt(workers(1));
    std::atomic<bool> stop{false};
    auto spinner = rt.spawn_named("first-run spinner", spin_until(&stop));
    std::string d;
    for (int i = 0; i < 1000 && d.find("running on worker 0") == std::string::npos; ++i) {
        std::this_thread::sleep_for(10ms);
        d = rt.dump_tasks();
    }
    std::vector<weir::join_handle<void>> queued;
    for (int i = 0; i < 5; ++i) queued.push_back(rt.spawn(trivial_task()));
    auto live = rt.metrics().live_tasks;
    d = rt.dump_tasks();
    stop = true;
    rt.block_on(std::move(spinner));
    for (auto& h : queued) rt.block_on(std::move(h));
    INFO(d);
    CHECK(live == 6);
    CHECK(d.rfind("6 live tasks\n", 0) == 0);
    CHECK(d.find("\"first-run spinner\" spawned at") != std::string::npos);
    CHECK(d.find("test_registry.cpp:") != std::string::npos);
    CHECK(d.find("running on worker 0") != std::string::npos);
    CHECK(d.find("5 tasks spawned and not started yet") != std::string::npos);
    CHECK(rt.metrics().live_tasks == 0);
    CHECK(rt.dump_tasks() == "0 live tasks\n");
}

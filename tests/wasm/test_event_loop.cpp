// The event-loop build (backends/wasm_event_loop): one executor on the host's thread. What the
// rest of the suite cannot show: the worker count, the backend's name, spawn_blocking in a later
// slice on the same thread, and block_on refusing to wait for what only the event loop could
// bring. The JavaScript side (slices between event-loop turns, timers, wakes from JavaScript) is
// tested under Node by tests/wasm/event_loop.test.mjs.
#include <catch2/catch.hpp>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>
#include <weir/detail/parker.hpp>
#include <weir/weir.hpp>

#include "../core/helpers.hpp"

using namespace std::chrono_literals;
using weir_test::workers;

TEST_CASE("event_loop_runtime_has_one_worker_whatever_is_asked", "[event_loop]") {
    if (!weir::detail::backend_runs_on_event_loop()) return;
    weir::runtime a(workers(4));
    weir::runtime b;
    CHECK(a.worker_count() == 1);
    CHECK(b.worker_count() == 1);
    CHECK(std::string(a.io_backend()) == "wasm_event_loop");
}

TEST_CASE("event_loop_spawn_blocking_runs_on_the_host_thread", "[event_loop]") {
    if (!weir::detail::backend_runs_on_event_loop()) return;
    weir::runtime rt(workers(1));
    auto here = std::this_thread::get_id();
    auto there = rt.block_on([]() -> weir::task<std::thread::id> {
        auto f = [] { return std::this_thread::get_id(); };
        co_return co_await weir::spawn_blocking(f);
    }());
    CHECK(there == here);
}

TEST_CASE("event_loop_block_on_throws_when_nothing_can_wake_the_task", "[event_loop]") {
    if (!weir::detail::backend_runs_on_event_loop()) return;
    weir::runtime rt(workers(1));
    weir::notify n;  // nobody will notify it: only the event loop could have
    try {
        rt.block_on([](weir::notify& n) -> weir::task<void> { co_await n.notified(); }(n));
        FAIL("block_on returned");
    } catch (const std::logic_error& e) {
        CHECK(std::string(e.what()).find("weir::wasm::start") != std::string::npos);
    }
    // The runtime is still usable.
    CHECK(rt.block_on([]() -> weir::task<int> {
        co_await weir::sleep(1ms);
        co_return 7;
    }()) == 7);
}

namespace {
weir::task<void> event_loop_short_task() { co_return; }
/// 5 ms of work, in a run that says it may have been long (as the npm bindings' jobs do).
weir::task<void> event_loop_long_task() {
    auto end = std::chrono::steady_clock::now() + 5ms;
    while (std::chrono::steady_clock::now() < end) {
        // busy
    }
    weir::detail::this_thread.long_run = true;
    co_return;
}
}  // namespace

TEST_CASE("event_loop_slice_reads_the_clock_after_a_run_marked_long", "[event_loop]") {
    // A slice reads the clock after every 32nd run while runs are short; a short run, then ten
    // long ones queued behind it, ran all ten in one slice (50 ms against a budget of 8). A run
    // marked long has the clock read after it: the slice ends within its budget. Slices are
    // counted by the worker's parks (one at each slice's end).
    if (!weir::detail::backend_runs_on_event_loop()) return;
    weir::runtime rt(workers(1));
    auto parks = [&rt] { return rt.metrics().per_worker.at(0).parks; };
    std::uint64_t before = parks();
    rt.block_on([]() -> weir::task<void> {
        // Spawned from a task on the worker, so they queue there in this order: the short ones
        // first, so that the slice has just judged its runs short when the long ones come.
        auto feeder = weir::spawn([]() -> weir::task<void> {
            std::vector<weir::join_handle<void>> hs;
            for (int i = 0; i < 40; ++i) hs.push_back(weir::spawn(event_loop_short_task()));
            for (int i = 0; i < 10; ++i) hs.push_back(weir::spawn(event_loop_long_task()));
            hs.push_back(weir::spawn(event_loop_short_task()));  // the LIFO slot's
            for (auto& h : hs) co_await h;
        }());
        co_await feeder;
    }());
    std::uint64_t slices = parks() - before;
    INFO("slices: " << slices);
    CHECK(slices >= 5);  // at most two 5 ms runs fit a slice of 8 ms
}

TEST_CASE("event_loop_block_on_runs_spawned_tasks_and_timers_while_it_waits", "[event_loop]") {
    weir::runtime rt(workers(1));
    int v = rt.block_on([]() -> weir::task<int> {
        auto a = weir::spawn([]() -> weir::task<int> {
            co_await weir::sleep(3ms);
            co_return 1;
        }());
        auto b = weir::spawn([]() -> weir::task<int> {
            for (int i = 0; i < 300; ++i) co_await weir::yield_now();
            co_return 2;
        }());
        co_return co_await a + co_await b;
    }());
    CHECK(v == 3);
}

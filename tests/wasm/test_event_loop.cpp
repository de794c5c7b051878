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

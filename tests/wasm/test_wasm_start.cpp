// weir::wasm::start and post_to_host (wasm/include/weir/wasm): a task started without blocking
// reports its outcome on the host thread, once, whatever happens to it. In the threads build the
// tests run on a worker (PROXY_TO_PTHREAD) and the callbacks on Node's main thread; in the
// event-loop build everything is one thread, and the tests run the host's callbacks themselves.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>
#include <weir/wasm/host.hpp>
#include <weir/wasm/start.hpp>
#include <weir/weir.hpp>

#include "../core/helpers.hpp"

using namespace std::chrono_literals;
using weir_test::workers;

namespace {

/// Waits (at most 10 s) until flag is set, running the host's callbacks where this is the host
/// thread (the event-loop build) and letting the runtime run meanwhile.
void wait_for(weir::runtime& rt, const std::atomic<bool>& flag) {
    for (int i = 0; i < 10000 && !flag.load(); ++i) {
        if (weir::wasm::on_host_thread()) weir::wasm::run_host_callbacks();
        if (flag.load()) break;
        rt.block_on(weir::sleep(1ms));
    }
}

}  // namespace

TEST_CASE("wasm_start_delivers_the_value_on_the_host_thread", "[wasm]") {
    weir::runtime rt(workers(2));
    std::atomic<bool> done{false}, on_host{false};
    std::atomic<int> value{0};
    auto h = weir::wasm::start(
        rt,
        []() -> weir::task<int> {
            co_await weir::sleep(2ms);
            co_return 42;
        }(),
        [&](weir::wasm::outcome<int>&& o) {
            on_host = weir::wasm::on_host_thread();
            value = o.take();
            done = true;
        });
    REQUIRE(h.valid());
    wait_for(rt, done);
    REQUIRE(done.load());
    CHECK(on_host.load());
    CHECK(value.load() == 42);
}

TEST_CASE("wasm_start_delivers_the_exception_of_a_failed_task", "[wasm]") {
    weir::runtime rt(workers(1));
    std::atomic<bool> done{false};
    std::string what;
    weir::wasm::start(
        rt,
        []() -> weir::task<void> {
            throw std::runtime_error("stage broke");
            co_return;
        }(),
        [&](weir::wasm::outcome<void>&& o) {
            CHECK_FALSE(o.has_value());
            try {
                o.take();
            } catch (const std::runtime_error& e) {
                what = e.what();
            }
            done = true;
        });
    wait_for(rt, done);
    REQUIRE(done.load());
    CHECK(what == "stage broke");
}

TEST_CASE("wasm_start_aborted_through_its_handle_delivers_operation_cancelled", "[wasm]") {
    weir::runtime rt(workers(1));
    std::atomic<bool> done{false}, cancelled{false};
    auto h = weir::wasm::start(
        rt,
        []() -> weir::task<int> {
            co_await weir::sleep(30s);
            co_return 1;
        }(),
        [&](weir::wasm::outcome<int>&& o) {
            try {
                o.take();
            } catch (const weir::operation_cancelled&) {
                cancelled = true;
            }
            done = true;
        });
    rt.block_on(weir::sleep(2ms));
    h.abort();
    wait_for(rt, done);
    REQUIRE(done.load());
    CHECK(cancelled.load());
}

TEST_CASE("wasm_start_delivers_operation_cancelled_when_the_runtime_shuts_down_first", "[wasm]") {
    std::atomic<bool> done{false}, cancelled{false};
    {
        weir::runtime rt(workers(1));
        weir::wasm::start(
            rt,
            []() -> weir::task<int> {
                co_await weir::sleep(30s);
                co_return 1;
            }(),
            [&](weir::wasm::outcome<int>&& o) {
                cancelled = o.error() != nullptr;
                done = true;
            });
        rt.block_on(weir::sleep(2ms));
    }
    weir::runtime other(workers(1));
    wait_for(other, done);
    REQUIRE(done.load());
    CHECK(cancelled.load());
}

TEST_CASE("wasm_post_to_host_runs_callbacks_in_order_on_the_host_thread", "[wasm]") {
    weir::runtime rt(workers(1));
    std::vector<int> order;
    std::atomic<bool> done{false}, all_on_host{true};
    for (int i = 0; i < 5; ++i)
        weir::wasm::post_to_host([&, i] {
            if (!weir::wasm::on_host_thread()) all_on_host = false;
            order.push_back(i);
            if (i == 4) done = true;
        });
    wait_for(rt, done);
    REQUIRE(done.load());
    CHECK(all_on_host.load());
    CHECK(order == std::vector<int>{0, 1, 2, 3, 4});
}

TEST_CASE("wasm_post_to_host_with_next_waits_for_a_post_that_wakes_the_host", "[wasm]") {
    weir::runtime rt(workers(1));
    std::vector<int> order;
    std::atomic<bool> quiet_ran{false}, done{false};
    weir::wasm::post_to_host(
        [&] {
            order.push_back(1);
            quiet_ran = true;
        },
        weir::wasm::wake::with_next);
    rt.block_on(weir::sleep(50ms));
    // In the threads build this thread is not the host: nothing has woken the host since. (On
    // the host thread itself, as in the event-loop build, every post schedules its drain.)
    if (!weir::wasm::on_host_thread()) CHECK_FALSE(quiet_ran.load());
    weir::wasm::post_to_host([&] {
        order.push_back(2);
        done = true;
    });
    wait_for(rt, done);
    REQUIRE(done.load());
    CHECK(order == std::vector<int>{1, 2});
}

TEST_CASE("wasm_post_to_host_with_next_wakes_the_host_at_the_16th_in_a_row", "[wasm]") {
    weir::runtime rt(workers(1));
    std::atomic<int> ran{0};
    std::atomic<bool> done{false};
    for (int i = 0; i < 16; ++i)
        weir::wasm::post_to_host(
            [&] {
                if (++ran == 16) done = true;
            },
            weir::wasm::wake::with_next);
    // No post with wake::now follows: the 16th deferred callback brings the drain by itself.
    wait_for(rt, done);
    REQUIRE(done.load());
    CHECK(ran.load() == 16);
}

TEST_CASE("wasm_start_named_asks_its_wake_policy_once_per_task_even_when_cancelled", "[wasm]") {
    std::atomic<int> asked{0}, delivered{0};
    auto decide = [](void* ctx) noexcept {
        ++*static_cast<std::atomic<int>*>(ctx);
        return weir::wasm::wake::now;
    };
    const weir::wasm::wake_policy policy{decide, &asked};
    {
        weir::runtime rt(workers(2));
        for (int i = 0; i < 3; ++i)
            weir::wasm::start_named(
                rt, "quick", []() -> weir::task<int> { co_return 7; }(),
                [&](weir::wasm::outcome<int>&& o) {
                    CHECK(o.take() == 7);
                    ++delivered;
                },
                policy);
        weir::wasm::start_named(
            rt, "sleeper", []() -> weir::task<void> { co_await weir::sleep(30s); }(),
            [&](weir::wasm::outcome<void>&& o) {
                CHECK_FALSE(o.has_value());
                ++delivered;
            },
            policy);
        // Until the three quick ones were delivered (10 s at most), not a fixed 5 ms: a loaded
        // machine may not run them that soon, and the shutdown would then cancel them too.
        for (int i = 0; i < 10000 && delivered.load() < 3; ++i) {
            if (weir::wasm::on_host_thread()) weir::wasm::run_host_callbacks();
            rt.block_on(weir::sleep(1ms));
        }
    }  // the sleeper is cancelled by the shutdown: its outcome still goes through the policy
    weir::runtime other(workers(1));
    for (int i = 0; i < 10000 && delivered.load() < 4; ++i) {
        if (weir::wasm::on_host_thread()) weir::wasm::run_host_callbacks();
        other.block_on(weir::sleep(1ms));
    }
    CHECK(delivered.load() == 4);
    CHECK(asked.load() == 4);
}

namespace {
/// Two completions counted by one policy (as the npm bindings count jobs): the first to decide
/// sees the other outstanding and defers (with_next); the last wakes. The deferring decision
/// stalls until the other completion has been run on the host, or 1 s: where the decision is
/// taken outside the inbox's lock, the other posts and is drained meanwhile, and the deferred
/// completion then arrives with nothing left to wake the host for it.
struct stalled_count {
    std::atomic<int> outstanding{2};
    std::atomic<bool> other_ran{false};
};

weir::wasm::wake stall_then_defer(void* ctx) noexcept {
    auto* c = static_cast<stalled_count*>(ctx);
    if (c->outstanding.fetch_sub(1) - 1 == 0) return weir::wasm::wake::now;
    for (int i = 0; i < 1000 && !c->other_ran.load(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return weir::wasm::wake::with_next;
}
}  // namespace

TEST_CASE("wasm_a_deferred_outcome_is_drained_even_when_its_decision_is_delayed",
          "[wasm][threads]") {
    // Needs a host thread that is not this one (the threads build's PROXY_TO_PTHREAD tests).
    if (weir::wasm::on_host_thread()) return;
    weir::runtime rt(workers(1));
    stalled_count count;
    std::atomic<bool> first_ran{false}, second_ran{false};
    const weir::wasm::wake_policy policy{stall_then_defer, &count};
    weir::wasm::start_named(
        rt, "deferred", []() -> weir::task<void> { co_return; }(),
        [&](weir::wasm::outcome<void>&&) { first_ran = true; }, policy);
    // The worker is now inside the deferring decision (or about to be): post the other one.
    for (int i = 0; i < 10000 && count.outstanding.load() == 2; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    weir::wasm::post_to_host(
        [&] {
            count.other_ran = true;
            second_ran = true;
        },
        policy);
    // No other post comes: the host must have been woken for the deferred outcome already.
    for (int i = 0; i < 10000 && !first_ran.load(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    CHECK(second_ran.load());
    CHECK(first_ran.load());
}

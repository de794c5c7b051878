// cancellation_token, child tokens, cancelled(), and with_cancellation waking blocked awaits.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <thread>
#include <weir/weir.hpp>

#include "helpers.hpp"

using weir_test::workers;

using namespace std::chrono_literals;

namespace {
/// Cancels tok after d: the "someone else cancels us later" half of the wake-up tests.
weir::task<void> cancel_after(weir::cancellation_token tok, std::chrono::milliseconds d) {
    co_await weir::sleep(d);
    tok.cancel();
}
}  // namespace

TEST_CASE("cancellation_token_copies_share_state", "[cancel]") {
    weir::cancellation_token a;
    auto b = a;
    REQUIRE_FALSE(a.is_cancelled());
    b.cancel();
    REQUIRE(a.is_cancelled());
    REQUIRE(b.is_cancelled());
    a.cancel();  // idempotent
    REQUIRE(a == b);
}

TEST_CASE("cancellation_token_child_tokens", "[cancel]") {
    weir::cancellation_token root;
    auto child = root.child_token();
    auto grandchild = child.child_token();
    auto sibling = root.child_token();
    SECTION("cancelling a child leaves the parent alone") {
        child.cancel();
        REQUIRE(child.is_cancelled());
        REQUIRE(grandchild.is_cancelled());
        REQUIRE_FALSE(root.is_cancelled());
        REQUIRE_FALSE(sibling.is_cancelled());
    }
    SECTION("cancelling the parent cancels every descendant") {
        root.cancel();
        REQUIRE(child.is_cancelled());
        REQUIRE(grandchild.is_cancelled());
        REQUIRE(sibling.is_cancelled());
    }
    SECTION("a child of a cancelled token starts cancelled") {
        root.cancel();
        REQUIRE(root.child_token().is_cancelled());
    }
    SECTION("a child may outlive its parent handle") {
        std::optional<weir::cancellation_token> p(std::in_place);
        auto c = p->child_token();
        auto keep = *p;
        p.reset();
        keep.cancel();
        REQUIRE(c.is_cancelled());
    }
}

TEST_CASE("cancellation_token_cancelled_completes_on_cancel", "[cancel]") {
    weir::runtime rt(workers(2));
    weir::cancellation_token tok;
    auto t = [](weir::cancellation_token tok) -> weir::task<bool> {
        auto h = weir::spawn([](weir::cancellation_token tok) -> weir::task<void> {
            co_await weir::sleep(5ms);
            tok.cancel();
        }(tok));
        co_await tok.cancelled();
        co_await h;
        co_await tok.cancelled();  // ready at once now
        co_return tok.is_cancelled();
    };
    REQUIRE(rt.block_on(t(tok)));
}

TEST_CASE("with_cancellation_wakes_a_blocked_sleep_promptly", "[cancel]") {
    weir::runtime rt(workers(2));
    weir::cancellation_token tok;
    auto t = [](weir::cancellation_token tok) -> weir::task<bool> {
        auto start = weir::clock::now();
        auto canceller = weir::spawn(cancel_after(tok, 10ms));
        bool cancelled = false;
        try {
            co_await weir::with_cancellation(tok, weir::sleep(30s));
        } catch (const weir::operation_cancelled&) {
            cancelled = true;
        }
        co_await canceller;
        co_return (cancelled && weir::clock::now() - start < 5s);
    };
    REQUIRE(rt.block_on(t(tok)));
}

TEST_CASE("with_cancellation_wakes_a_blocked_recv_promptly", "[cancel]") {
    weir::runtime rt(workers(2));
    auto t = []() -> weir::task<bool> {
        auto [tx, rx] = weir::mpsc::channel<int>(4);
        weir::cancellation_token tok;
        auto start = weir::clock::now();
        auto canceller = weir::spawn(cancel_after(tok, 10ms));
        bool cancelled = false;
        try {
            co_await weir::with_cancellation(tok, rx.recv());
        } catch (const weir::operation_cancelled&) {
            cancelled = true;
        }
        co_await canceller;
        // The receiver is still usable afterwards.
        co_await tx.send(5);
        auto v = co_await rx.recv();
        co_return (cancelled && v == 5 && weir::clock::now() - start < 5s);
    };
    REQUIRE(rt.block_on(t()));
}

TEST_CASE("with_cancellation_wakes_a_blocked_join_promptly", "[cancel]") {
    weir::runtime rt(workers(2));
    auto t = []() -> weir::task<bool> {
        weir::cancellation_token tok;
        auto slow = weir::spawn([]() -> weir::task<int> {
            co_await weir::sleep(30s);
            co_return 1;
        }());
        auto canceller = weir::spawn(cancel_after(tok, 10ms));
        auto start = weir::clock::now();
        bool cancelled = false;
        try {
            co_await weir::with_cancellation(tok, [](weir::join_handle<int>& h) -> weir::task<int> {
                co_return co_await h;
            }(slow));
        } catch (const weir::operation_cancelled&) {
            cancelled = true;
        }
        co_await canceller;
        bool prompt = weir::clock::now() - start < 5s;
        // The joined task itself is not cancelled by the joiner's token: it still runs.
        bool still_running = !slow.is_finished();
        slow.abort();
        co_return (cancelled && prompt && still_running);
    };
    REQUIRE(rt.block_on(t()));
}

TEST_CASE("with_cancellation_already_cancelled_runs_to_first_await_only", "[cancel]") {
    weir::runtime rt(workers(1));
    auto t = []() -> weir::task<int> {
        weir::cancellation_token tok;
        tok.cancel();
        int steps = 0;
        try {
            co_await weir::with_cancellation(tok, [](int& steps) -> weir::task<void> {
                ++steps;
                co_await weir::yield_now();
                ++steps;
            }(steps));
        } catch (const weir::operation_cancelled&) {
            co_return steps;
        }
        co_return -1;
    };
    REQUIRE(rt.block_on(t()) == 1);
}

TEST_CASE("with_cancellation_gives_the_value_when_not_cancelled", "[cancel]") {
    weir::runtime rt(workers(1));
    weir::cancellation_token tok;
    auto v = rt.block_on(weir::with_cancellation(tok, []() -> weir::task<int> {
        co_await weir::sleep(1ms);
        co_return 3;
    }()));
    REQUIRE(v == 3);
}

TEST_CASE("with_cancellation_parent_token_cancels_child_scope", "[cancel]") {
    weir::runtime rt(workers(2));
    auto t = []() -> weir::task<int> {
        weir::cancellation_token parent;
        auto child = parent.child_token();
        auto worker = weir::spawn(
            weir::with_cancellation(child, [](weir::cancellation_token) -> weir::task<int> {
                int iterations = 0;
                for (;;) {
                    co_await weir::sleep(5ms);
                    ++iterations;
                }
                co_return iterations;
            }(child)));
        co_await weir::sleep(30ms);
        parent.cancel();
        try {
            co_await worker;
        } catch (const weir::operation_cancelled&) {
            co_return 1;
        }
        co_return 0;
    };
    REQUIRE(rt.block_on(t()) == 1);
}

TEST_CASE("nested_with_cancellation_outer_scope_reaches_inner_task", "[cancel]") {
    weir::runtime rt(workers(1));
    auto t = []() -> weir::task<bool> {
        weir::cancellation_token outer, inner;
        auto h = weir::spawn(
            weir::with_cancellation(outer, weir::with_cancellation(inner, weir::sleep(30s))));
        co_await weir::sleep(5ms);
        outer.cancel();
        try {
            co_await h;
        } catch (const weir::operation_cancelled&) {
            co_return !inner.is_cancelled();
        }
        co_return false;
    };
    REQUIRE(rt.block_on(t()));
}

TEST_CASE("cancellation_callbacks_run_without_the_state_lock_held", "[cancel][threads]") {
    // While one callback of a cancel runs (here it waits for a second thread), another thread
    // unregisters a different callback of the same state: that must not wait for the cancel to
    // finish. When the callbacks ran under the state's lock, the two waited for each other.
    weir_test::watchdog wd("unregistering a callback during a cancel", std::chrono::seconds(60));
    struct flagged : weir::detail::cancel_callback {
        std::atomic<bool>* other_removed = nullptr;
        std::atomic<int> runs{0};
    };
    weir::detail::cancel_state state;
    std::atomic<bool> removed{false};
    std::atomic<int> runs_seen_after_remove{-1};
    flagged waits_for_other, other;
    waits_for_other.other_removed = &removed;
    waits_for_other.fn = [](weir::detail::cancel_callback* cb) noexcept {
        auto* self = static_cast<flagged*>(cb);
        self->runs.fetch_add(1);
        while (!self->other_removed->load()) std::this_thread::yield();
    };
    other.fn = [](weir::detail::cancel_callback* cb) noexcept {
        static_cast<flagged*>(cb)->runs.fetch_add(1);
    };
    REQUIRE(state.add(&waits_for_other));
    REQUIRE(state.add(&other));
    std::thread remover([&] {
        while (waits_for_other.runs.load() == 0) std::this_thread::yield();
        state.remove(&other);  // not run yet: unlinked at once
        removed.store(true);
        state.remove(&waits_for_other);  // running: returns once it has returned
        runs_seen_after_remove.store(waits_for_other.runs.load());
    });
    state.cancel();
    remover.join();
    REQUIRE(runs_seen_after_remove.load() == 1);
    REQUIRE(other.runs.load() == 0);
    REQUIRE(state.is_cancelled());
}

// The cooperative budget rule (promise_base.hpp, docs/architecture.md): every await of a task run
// spends one unit, a spent budget makes the task give way on every path, before the await takes
// effect, and awaits in a cancelled scope spend budget too.
#include <atomic>
#include <catch2/catch.hpp>
#include <exception>
#include <type_traits>
#include <weir/weir.hpp>

#include "helpers.hpp"

using weir_test::on_worker;
using weir_test::workers;

TEST_CASE("a_loop_of_awaits_that_complete_in_await_suspend_gives_way_when_its_budget_is_spent",
          "[budget]") {
    // notify_one stores a permit that the next notified() takes in await_suspend, without
    // suspending. One worker: if the loop never gave way, the other task could not run and the
    // loop would reach its bound.
    weir::runtime rt(workers(1));
    long iterations = rt.block_on(on_worker([]() -> weir::task<long> {
        std::atomic<bool> other_ran{false};
        auto other = weir::spawn([](std::atomic<bool>& f) -> weir::task<void> {
            f.store(true);
            co_return;
        }(other_ran));
        weir::notify n;
        long i = 0;
        while (!other_ran.load() && i < 1'000'000) {
            n.notify_one();
            co_await n.notified();
            ++i;
        }
        co_await other;
        co_return i;
    }()));
    REQUIRE(iterations <= weir::detail::coop_budget + 1);  // + the await started late
}

TEST_CASE("an_await_that_finds_the_budget_spent_takes_effect_only_when_the_task_runs_again",
          "[budget][mpsc]") {
    // The first branch notifies the second, then sends with its task's budget spent. The send
    // would complete at once (the channel has room) but must not happen in this run: it starts
    // when the task runs again, after the notified branch, which runs first, wins the select and
    // cancels the send before it started. So nothing was sent.
    weir::runtime rt(workers(1));
    rt.block_on(on_worker([]() -> weir::task<void> {
        auto [tx, rx] = weir::mpsc::channel<int>(4);
        weir::notify n;
        auto r = co_await weir::select(
            [](weir::mpsc::sender<int>& tx, weir::notify& n) -> weir::task<void> {
                co_await weir::yield_now();  // the second branch starts waiting meanwhile
                n.notify_one();
                weir::detail::this_thread.budget = 0;  // as after coop_budget awaits
                co_await tx.send(1);
            }(tx, n),
            n.notified());
        REQUIRE(r.index() == 1);
        REQUIRE_FALSE(rx.try_recv());
    }()));
}

TEST_CASE("a_cancelled_task_that_swallows_the_cancellation_still_gives_way", "[budget][cancel]") {
    // After abort() every await of the spinner throws operation_cancelled, which it catches
    // and ignores. One worker: unless those awaits spend budget and give way, the aborting task
    // never runs again to raise the flag, and the spinner reaches its bound.
    weir::runtime rt(workers(1));
    long caught = rt.block_on(on_worker([]() -> weir::task<long> {
        std::atomic<bool> flag{false};
        auto spinner = weir::spawn([](std::atomic<bool>& flag) -> weir::task<long> {
            long caught = 0;
            for (;;) {
                try {
                    co_await weir::yield_now();
                } catch (...) {  // swallows the cancellation
                    if (flag.load() || ++caught >= 200'000) co_return caught;
                }
            }
        }(flag));
        co_await weir::yield_now();  // the spinner runs and yields back
        spinner.abort();
        co_await weir::yield_now();  // the spinner runs again, now cancelled
        flag.store(true);
        co_return co_await spinner;
    }()));
    REQUIRE(caught <= weir::detail::coop_budget + 1);
}

TEST_CASE("operation_cancelled_is_not_caught_by_a_catch_of_std_exception", "[cancel]") {
    STATIC_REQUIRE_FALSE(std::is_base_of_v<std::exception, weir::operation_cancelled>);
    // A retry loop that catches std::exception does not keep an aborted task alive.
    weir::runtime rt(workers(1));
    auto outcome = rt.block_on(on_worker([]() -> weir::task<int> {
        auto h = weir::spawn([]() -> weir::task<int> {
            int errors = 0;
            for (;;) {
                try {
                    co_await weir::yield_now();
                } catch (const std::exception&) {
                    if (++errors >= 100'000) co_return -1;
                }
            }
        }());
        co_await weir::yield_now();
        h.abort();
        try {
            co_await h;
        } catch (const weir::operation_cancelled&) {
            co_return 1;
        }
        co_return 0;
    }()));
    REQUIRE(outcome == 1);
}

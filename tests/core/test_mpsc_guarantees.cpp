// The guarantees mpsc.hpp states: a send that fails (timeout, lost select, cancellation) did not
// deliver its value; no value is destroyed under the channel's lock; try_send gives back what it
// could not send.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using weir_test::workers;

using namespace std::chrono_literals;

TEST_CASE("mpsc_send_that_loses_a_select_after_being_granted_room_was_not_sent", "[sync][mpsc]") {
    // One worker, so the order is fixed: the channel (capacity 1) is full; `a` waits in a select
    // between a send and a notify; `b` waits in a plain send behind it. The receiving task then
    // notifies and receives, which grants `a`'s send the freed slot: both of a's branches are
    // woken in the same run, the notify first, so the notify wins and the send loses. The lost
    // send must not have delivered its value, and its slot must go to `b`.
    weir::runtime rt(workers(1));
    auto t = []() -> weir::task<void> {
        auto [tx, rx] = weir::mpsc::channel<int>(1);
        co_await tx.send(1);
        weir::notify n;
        auto a = weir::spawn([](weir::mpsc::sender<int>& tx, weir::notify& n) -> weir::task<int> {
            auto r = co_await weir::select(tx.send(2), n.notified());
            co_return static_cast<int>(r.index());
        }(tx, n));
        auto b = weir::spawn(
            [](weir::mpsc::sender<int>& tx) -> weir::task<void> { co_await tx.send(3); }(tx));
        // Both senders are blocked once the queue holds 1 and nobody else can run: wait for that
        // on the same worker by yielding (the spawned tasks run in between).
        auto r = weir::spawn([](weir::mpsc::receiver<int>& rx, weir::notify& n) -> weir::task<int> {
            co_await weir::yield_now();  // a and b run first and block
            co_await weir::yield_now();
            n.notify_one();
            co_return *co_await rx.recv();  // frees the slot: granted to a's send
        }(rx, n));
        int received = co_await r;  // never co_await inside a Catch macro (tests/lint)
        int a_branch = co_await a;
        REQUIRE(received == 1);
        REQUIRE(a_branch == 1);  // the notify won
        auto got = rx.try_recv();
        REQUIRE(got != std::optional<int>(2));  // a's send lost, so its value was not sent
        co_await b;                             // b got the slot a gave back
        if (!got) got = rx.try_recv();
        REQUIRE(got == 3);
        REQUIRE_FALSE(rx.try_recv());
    };
    rt.block_on(weir_test::on_worker(t()));
}

TEST_CASE("mpsc_send_retried_after_timeouts_delivers_each_value_once", "[sync][mpsc][stress]") {
    // Four producers push 20,000 values each through a channel of 4, every send under a 1 ms
    // timeout, retried until it succeeds; the consumer pauses now and then so that sends block
    // and time out, many of them while the consumer is making room. A retried value that had
    // been delivered by the send that timed out would arrive twice.
    weir::runtime rt(workers(2));
    constexpr int producers = 4, per = 20'000;
    std::atomic<long> timeouts{0};
    auto seen = rt.block_on([](std::atomic<long>& timeouts) -> weir::task<std::vector<int>> {
        auto [tx, rx] = weir::mpsc::channel<int>(4);
        std::vector<weir::join_handle<void>> hs;
        for (int p = 0; p < producers; ++p)
            hs.push_back(weir::spawn([](weir::mpsc::sender<int> tx, int p,
                                        std::atomic<long>& timeouts) -> weir::task<void> {
                for (int i = 0; i < per; ++i) {
                    for (;;) {
                        try {
                            co_await weir::timeout(1ms, tx.send(p * per + i));
                            break;
                        } catch (const weir::timed_out&) {
                            timeouts.fetch_add(1, std::memory_order_relaxed);
                        }
                    }
                }
            }(tx, p, timeouts)));
        { auto drop = std::move(tx); }
        std::vector<int> seen(producers * per, 0);
        long n = 0;
        while (auto v = co_await rx.recv()) {
            ++seen[*v];
            if (++n % 512 == 0) co_await weir::sleep(2ms);  // let the senders block and time out
        }
        co_await weir::join_all(std::move(hs));
        co_return seen;
    }(timeouts));
    long dup = 0, missing = 0;
    for (int c : seen) {
        if (c == 0) ++missing;
        if (c > 1) dup += c - 1;
    }
    std::printf("mpsc retry after timeout: %ld timeouts, %ld duplicates, %ld missing\n",
                timeouts.load(), dup, missing);
    REQUIRE(dup == 0);
    REQUIRE(missing == 0);
}

namespace {
/// A message that owns a sender of the channel it travels in.
struct self_ref_msg {
    weir::mpsc::sender<self_ref_msg> keep;
};
struct self_ref_unbounded {
    weir::mpsc::unbounded_sender<self_ref_unbounded> keep;
};
}  // namespace

TEST_CASE("mpsc_dropping_the_receiver_destroys_queued_messages_outside_the_lock", "[sync][mpsc]") {
    // Each queued message holds a sender of the same channel; destroying it takes the channel's
    // lock. If the receiver's drop destroyed them under that lock it would never return.
    weir_test::watchdog wd("dropping a receiver whose messages hold its senders", 60s);
    weir::runtime rt(workers(1));
    rt.block_on([]() -> weir::task<void> {
        auto [tx, rx] = weir::mpsc::channel<self_ref_msg>(4);
        // Named first: g++ 12 destroys the members of an aggregate built inside a co_await
        // twice (docs/architecture.md, compiler pitfalls), which released the channel twice.
        self_ref_msg first{tx};
        co_await tx.send(std::move(first));
        REQUIRE(tx.try_send(self_ref_msg{tx}));
        { auto drop = std::move(rx); }
        REQUIRE(tx.is_closed());

        auto [utx, urx] = weir::mpsc::unbounded_channel<self_ref_unbounded>();
        utx.send(self_ref_unbounded{utx});
        { auto drop = std::move(urx); }
        REQUIRE(utx.is_closed());
    }());
}

TEST_CASE("mpsc_try_send_gives_the_value_back_when_full_or_closed", "[sync][mpsc]") {
    auto [tx, rx] = weir::mpsc::channel<std::unique_ptr<int>>(1);
    auto first = tx.try_send(std::make_unique<int>(1));
    REQUIRE(first);
    REQUIRE(first.sent());
    REQUIRE_THROWS_AS(first.into_value(), std::logic_error);

    auto p = std::make_unique<int>(2);
    int* raw = p.get();
    auto full = tx.try_send(std::move(p));
    REQUIRE_FALSE(full);
    REQUIRE(full.is_full());
    auto back = full.into_value();
    REQUIRE(back.get() == raw);

    { auto drop = std::move(rx); }
    auto closed = tx.try_send(std::move(back));
    REQUIRE(closed.is_closed());
    REQUIRE(closed.into_value().get() == raw);
}

TEST_CASE("mpsc_closed_is_final_no_value_arrives_after_recv_gave_nullopt", "[sync][mpsc]") {
    // Issue 16: a send operation created from a sender that is then destroyed (the API says to
    // await it while the sender lives) still pushed its value when awaited, after the receiver
    // had seen the channel closed: nullopt, then a value. Closed must be final.
    weir::runtime rt(workers(1));
    auto r = rt.block_on(weir_test::on_worker([]() -> weir::task<std::vector<int>> {
        auto [tx, rx] = weir::mpsc::channel<int>(4);
        auto clone = std::make_unique<weir::mpsc::sender<int>>(tx);
        auto late = clone->send(5);  // not awaited yet
        clone.reset();
        { auto last = std::move(tx); }  // every sender gone
        std::vector<int> seen;          // -1 for nullopt, -2 for channel_closed
        std::optional<int> first = co_await rx.recv();
        seen.push_back(first ? *first : -1);
        try {
            co_await late;  // misuse: refused, not delivered
            seen.push_back(0);
        } catch (const weir::channel_closed&) {
            seen.push_back(-2);
        }
        std::optional<int> second = co_await rx.recv();
        seen.push_back(second ? *second : -1);
        co_return seen;
    }()));
    CHECK(r == std::vector<int>{-1, -2, -1});
}

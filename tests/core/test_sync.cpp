// mpsc (bounded, unbounded), mutex, semaphore, notify (oneshot: test_oneshot.cpp).
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <numeric>
#include <string>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using weir_test::workers;

using namespace std::chrono_literals;

TEST_CASE("mpsc_channel_delivers_in_order_and_closes", "[sync][mpsc]") {
    weir::runtime rt(workers(2));
    auto v = rt.block_on([]() -> weir::task<std::vector<int>> {
        auto [tx, rx] = weir::mpsc::channel<int>(4);
        auto producer = weir::spawn([](weir::mpsc::sender<int> tx) -> weir::task<void> {
            for (int i = 0; i < 100; ++i) co_await tx.send(i);
        }(std::move(tx)));
        std::vector<int> got;
        while (auto x = co_await rx.recv()) got.push_back(*x);
        co_await producer;
        co_return got;
    }());
    std::vector<int> expect(100);
    std::iota(expect.begin(), expect.end(), 0);
    REQUIRE(v == expect);
}

TEST_CASE("mpsc_channel_backpressure_suspends_sender_while_full", "[sync][mpsc]") {
    weir::runtime rt(workers(1));
    auto t = []() -> weir::task<bool> {
        auto [tx, rx] = weir::mpsc::channel<int>(2);
        std::atomic<int> sent{0};
        auto producer =
            weir::spawn([](weir::mpsc::sender<int> tx, std::atomic<int>& sent) -> weir::task<void> {
                for (int i = 0; i < 5; ++i) {
                    co_await tx.send(i);
                    sent.fetch_add(1);
                }
            }(tx, sent));
        // The producer runs on the worker, which a loaded machine may start late: its sends are
        // waited for (10 s bounds a hang), then given 10 ms more in which a send that did not
        // wait would complete.
        for (int i = 0; i < 10'000 && sent.load() < 2; ++i) co_await weir::sleep(1ms);
        co_await weir::sleep(10ms);
        bool held = sent.load() == 2;  // capacity 2: the third send waits
        auto a = co_await rx.recv();
        for (int i = 0; i < 10'000 && sent.load() < 3; ++i) co_await weir::sleep(1ms);
        co_await weir::sleep(10ms);
        bool one_more = sent.load() == 3;  // one slot freed: one more send, the fourth waits
        for (int i = 1; i < 5; ++i) co_await rx.recv();
        co_await producer;
        co_return (held && one_more && a == 0 && sent.load() == 5);
    };
    REQUIRE(rt.block_on(t()));
}

TEST_CASE("mpsc_four_producers_hundred_thousand_messages_no_loss_no_duplicate",
          "[sync][mpsc][stress]") {
    weir::runtime rt(workers(2));
    constexpr int producers = 4, per = 100'000;
    auto seen = rt.block_on([]() -> weir::task<std::vector<int>> {
        auto [tx, rx] = weir::mpsc::channel<int>(64);
        std::vector<weir::join_handle<void>> hs;
        for (int p = 0; p < producers; ++p)
            hs.push_back(weir::spawn([](weir::mpsc::sender<int> tx, int p) -> weir::task<void> {
                for (int i = 0; i < per; ++i) co_await tx.send(p * per + i);
            }(tx, p)));
        { auto drop = std::move(tx); }
        std::vector<int> seen(producers * per, 0);
        std::vector<int> last(producers, -1);
        while (auto v = co_await rx.recv()) {
            ++seen[*v];
            int p = *v / per, i = *v % per;
            REQUIRE(i > last[p]);  // per-producer order is kept
            last[p] = i;
        }
        co_await weir::join_all(std::move(hs));
        co_return seen;
    }());
    for (int c : seen) REQUIRE(c == 1);
}

TEST_CASE("mpsc_recv_gives_nullopt_when_all_senders_dropped", "[sync][mpsc]") {
    weir::runtime rt(workers(1));
    auto t = []() -> weir::task<bool> {
        auto [tx, rx] = weir::mpsc::channel<int>(1);
        auto tx2 = tx;
        auto moved = std::move(tx);  // a moved-from sender does not count
        co_await tx2.send(1);
        { auto d1 = std::move(tx2); }
        { auto d2 = std::move(moved); }
        auto a = co_await rx.recv();
        auto b = co_await rx.recv();
        co_return (a == 1 && !b);
    };
    REQUIRE(rt.block_on(t()));
}

TEST_CASE("mpsc_waiting_receiver_wakes_when_last_sender_drops", "[sync][mpsc]") {
    weir::runtime rt(workers(2));
    auto t = []() -> weir::task<bool> {
        auto [tx, rx] = weir::mpsc::channel<int>(1);
        auto h = weir::spawn([](weir::mpsc::sender<int> tx) -> weir::task<void> {
            co_await weir::sleep(5ms);
            (void)tx;
        }(std::move(tx)));
        auto v = co_await rx.recv();
        co_await h;
        co_return !v;
    };
    REQUIRE(rt.block_on(t()));
}

TEST_CASE("mpsc_send_to_dropped_receiver_throws_channel_closed", "[sync][mpsc]") {
    weir::runtime rt(workers(1));
    auto t = []() -> weir::task<void> {
        auto [tx, rx] = weir::mpsc::channel<int>(1);
        { auto r = std::move(rx); }
        REQUIRE(tx.is_closed());
        co_await tx.send(1);
    };
    REQUIRE_THROWS_AS(rt.block_on(t()), weir::channel_closed);
}

TEST_CASE("mpsc_blocked_sender_wakes_with_channel_closed_when_receiver_drops", "[sync][mpsc]") {
    weir::runtime rt(workers(2));
    auto t = []() -> weir::task<bool> {
        auto [tx, rx] = weir::mpsc::channel<int>(1);
        std::atomic<bool> first_sent{false};
        auto h = weir::spawn(
            [](weir::mpsc::sender<int> tx, std::atomic<bool>& first_sent) -> weir::task<int> {
                co_await tx.send(1);
                first_sent = true;
                try {
                    co_await tx.send(2);  // blocks: full
                } catch (const weir::channel_closed&) {
                    co_return 1;
                }
                co_return 0;
            }(tx, first_sent));
        // Not a fixed sleep alone: a slow start of the spawned task (a busy wasm worker) must not
        // let the receiver go before the first send.
        while (!first_sent.load()) co_await weir::sleep(1ms);
        co_await weir::sleep(5ms);  // the second send has blocked by now (closed either way)
        { auto r = std::move(rx); }
        co_return co_await h == 1;
    };
    REQUIRE(rt.block_on(t()));
}

TEST_CASE("mpsc_try_send_and_try_recv", "[sync][mpsc]") {
    weir::runtime rt(workers(1));
    rt.block_on([]() -> weir::task<void> {
        auto [tx, rx] = weir::mpsc::channel<int>(1);
        REQUIRE(tx.try_send(1));
        REQUIRE_FALSE(tx.try_send(2));
        REQUIRE(rx.try_recv() == 1);
        REQUIRE_FALSE(rx.try_recv());
        co_return;
    }());
    REQUIRE_THROWS_AS(weir::mpsc::channel<int>(0), std::invalid_argument);
}

TEST_CASE("mpsc_unbounded_channel_never_blocks", "[sync][mpsc]") {
    weir::runtime rt(workers(1));
    auto n = rt.block_on([]() -> weir::task<int> {
        auto [tx, rx] = weir::mpsc::unbounded_channel<std::unique_ptr<int>>();
        for (int i = 0; i < 10'000; ++i) tx.send(std::make_unique<int>(i));
        co_await tx.send(std::make_unique<int>(-1));  // awaiting is allowed too
        { auto d = std::move(tx); }
        int count = 0;
        while (auto v = co_await rx.recv()) ++count;
        co_return count;
    }());
    REQUIRE(n == 10'001);
}

TEST_CASE("mpsc_send_and_recv_complete_without_suspending_when_they_can", "[sync][mpsc]") {
    // One worker: if a send with room, or a recv with a queued value, suspended, the other task
    // would run in between and set the flag.
    weir::runtime rt(workers(1));
    auto ok = rt.block_on([]() -> weir::task<bool> {
        co_return co_await weir::spawn([]() -> weir::task<bool> {
            auto [tx, rx] = weir::mpsc::channel<int>(8);
            std::atomic<bool> other_ran{false};
            auto other = weir::spawn([](std::atomic<bool>& f) -> weir::task<void> {
                f = true;
                co_return;
            }(other_ran));
            for (int i = 0; i < 8; ++i) co_await tx.send(i);
            int sum = 0;
            for (int i = 0; i < 8; ++i) sum += *co_await rx.recv();
            bool none_suspended = !other_ran.load();
            co_await other;
            co_return none_suspended&& sum == 28 && other_ran.load();
        }());
    }());
    REQUIRE(ok);
}

TEST_CASE("mpsc_send_spawned_as_a_task_keeps_the_channel_open_after_the_sender_drops",
          "[sync][mpsc]") {
    weir::runtime rt(workers(2));
    auto got = rt.block_on([]() -> weir::task<std::vector<int>> {
        auto [tx, rx] = weir::mpsc::channel<int>(1);
        co_await tx.send(1);               // fills the channel
        auto h = weir::spawn(tx.send(2));  // blocks until the receiver makes room
        { auto d = std::move(tx); }        // the original sender is gone
        std::vector<int> v;
        while (auto x = co_await rx.recv()) v.push_back(*x);  // 1, 2, then closed
        co_await h;
        co_return v;
    }());
    REQUIRE(got == std::vector<int>{1, 2});
}

TEST_CASE("mpsc_recv_works_with_timeout_join_and_block_on", "[sync][mpsc]") {
    weir::runtime rt(workers(2));
    auto [tx, rx] = weir::mpsc::channel<int>(4);
    auto r = rt.block_on([](weir::mpsc::receiver<int>& rx) -> weir::task<bool> {
        bool timed_out = false;
        try {
            co_await weir::timeout(5ms, rx.recv());
        } catch (const weir::timed_out&) {
            timed_out = true;
        }
        co_return timed_out;
    }(rx));
    REQUIRE(r);
    rt.block_on(weir::join(tx.send(7), tx.send(8)));
    REQUIRE(rt.block_on(rx.recv()) == 7);
    REQUIRE(rt.block_on(rx.recv()) == 8);
    auto both = rt.block_on(weir::try_join(rx.recv(), tx.send(9)));
    REQUIRE(std::get<0>(both) == 9);
}

TEST_CASE("mutex_excludes_and_is_fifo", "[sync][mutex]") {
    weir::runtime rt(workers(2));
    auto t = []() -> weir::task<bool> {
        weir::mutex m;
        int in_section = 0, max_in = 0;
        long counter = 0;
        std::vector<weir::task<void>> ts;
        for (int i = 0; i < 8; ++i)
            ts.push_back([](weir::mutex& m, int& in, int& max_in, long& c) -> weir::task<void> {
                for (int k = 0; k < 200; ++k) {
                    auto g = co_await m.lock();
                    ++in;
                    max_in = std::max(max_in, in);
                    co_await weir::yield_now();
                    ++c;
                    --in;
                }
            }(m, in_section, max_in, counter));
        co_await weir::join_all(std::move(ts));
        co_return (max_in == 1 && counter == 1600 && !m.is_locked());
    };
    REQUIRE(rt.block_on(t()));
}

TEST_CASE("mutex_across_spawned_tasks_on_many_workers", "[sync][mutex]") {
    weir::runtime rt(workers(4));
    auto total = rt.block_on([]() -> weir::task<long> {
        auto m = std::make_shared<weir::mutex>();
        auto counter = std::make_shared<long>(0);
        std::vector<weir::join_handle<void>> hs;
        for (int i = 0; i < 16; ++i)
            hs.push_back(weir::spawn(
                [](std::shared_ptr<weir::mutex> m, std::shared_ptr<long> c) -> weir::task<void> {
                    for (int k = 0; k < 1000; ++k) {
                        auto g = co_await m->lock();
                        ++*c;
                    }
                }(m, counter)));
        co_await weir::join_all(std::move(hs));
        co_return *counter;
    }());
    REQUIRE(total == 16000);
}

TEST_CASE("mutex_try_lock_and_guard_unlock", "[sync][mutex]") {
    weir::mutex m;
    auto g = m.try_lock();
    REQUIRE(g);
    REQUIRE(m.is_locked());
    REQUIRE_FALSE(m.try_lock());
    g->unlock();
    REQUIRE_FALSE(m.is_locked());
}

TEST_CASE("mutex_lock_wait_is_cancellable", "[sync][mutex]") {
    weir::runtime rt(workers(1));
    auto t = []() -> weir::task<bool> {
        weir::mutex m;
        auto g = co_await m.lock();
        bool timed_out = false;
        try {
            auto never = co_await weir::timeout(5ms, m.lock());
        } catch (const weir::timed_out&) {
            timed_out = true;
        }
        g.unlock();
        auto g2 = co_await m.lock();  // the cancelled waiter left the queue
        co_return (timed_out && g2.owns_lock());
    };
    REQUIRE(rt.block_on(t()));
}

TEST_CASE("semaphore_limits_concurrency", "[sync][semaphore]") {
    weir::runtime rt(workers(2));
    auto t = []() -> weir::task<int> {
        weir::semaphore sem(3);
        std::atomic<int> in{0}, max_in{0};
        std::vector<weir::task<void>> ts;
        for (int i = 0; i < 20; ++i)
            ts.push_back([](weir::semaphore& s, std::atomic<int>& in,
                            std::atomic<int>& mx) -> weir::task<void> {
                auto p = co_await s.acquire();
                int now = in.fetch_add(1) + 1;
                int prev = mx.load();
                while (now > prev && !mx.compare_exchange_weak(prev, now)) {
                }
                co_await weir::sleep(1ms);
                in.fetch_sub(1);
            }(sem, in, max_in));
        co_await weir::join_all(std::move(ts));
        REQUIRE(sem.available_permits() == 3);
        co_return max_in.load();
    };
    REQUIRE(rt.block_on(t()) == 3);
}

TEST_CASE("semaphore_acquire_many_try_acquire_forget_release", "[sync][semaphore]") {
    weir::runtime rt(workers(1));
    rt.block_on([]() -> weir::task<void> {
        weir::semaphore sem(5);
        auto p = co_await sem.acquire(4);
        REQUIRE(p.count() == 4);
        REQUIRE(sem.available_permits() == 1);
        REQUIRE_FALSE(sem.try_acquire(2));
        auto q = sem.try_acquire(1);
        REQUIRE(q);
        q->forget();
        REQUIRE(sem.available_permits() == 0);
        { auto drop = std::move(p); }
        REQUIRE(sem.available_permits() == 4);
        sem.release(2);
        REQUIRE(sem.available_permits() == 6);
        bool refused = false;  // never co_await inside a Catch macro (tests/lint)
        try {
            (void)co_await sem.acquire(0);
        } catch (const std::invalid_argument&) {
            refused = true;
        }
        REQUIRE(refused);
    }());
}

TEST_CASE("semaphore_fifo_large_request_not_starved", "[sync][semaphore]") {
    weir::runtime rt(workers(1));
    auto order = rt.block_on([]() -> weir::task<std::vector<int>> {
        weir::semaphore sem(0);
        std::vector<int> order;
        std::vector<weir::task<void>> ts;
        ts.push_back([](weir::semaphore& s, std::vector<int>& o) -> weir::task<void> {
            auto p = co_await s.acquire(3);
            o.push_back(3);
        }(sem, order));
        ts.push_back([](weir::semaphore& s, std::vector<int>& o) -> weir::task<void> {
            co_await weir::yield_now();
            auto p = co_await s.acquire(1);
            o.push_back(1);
        }(sem, order));
        ts.push_back([](weir::semaphore& s) -> weir::task<void> {
            co_await weir::sleep(2ms);
            s.release(1);  // not enough for the head (3): the 1-permit waiter behind must wait
            co_await weir::sleep(2ms);
            s.release(3);
        }(sem));
        co_await weir::join_all(std::move(ts));
        co_return order;
    }());
    REQUIRE(order == std::vector<int>{3, 1});
}

TEST_CASE("notify_one_stores_a_permit", "[sync][notify]") {
    weir::runtime rt(workers(1));
    rt.block_on([]() -> weir::task<void> {
        weir::notify n;
        n.notify_one();
        co_await n.notified();  // completes at once: the permit was stored
        co_return;
    }());
    SUCCEED();
}

TEST_CASE("notify_notified_and_sleep_work_where_a_task_is_expected", "[sync][notify]") {
    // notified() and sleep() are operations; select, spawn and join turn them into tasks.
    weir::runtime rt(workers(2));
    auto r = rt.block_on([]() -> weir::task<std::size_t> {
        weir::notify n;
        auto waiter = weir::spawn(n.notified());
        co_await weir::sleep(2ms);
        n.notify_one();
        co_await waiter;
        auto first = co_await weir::select(n.notified(), weir::sleep(1ms));  // nobody notifies
        co_await weir::join(weir::sleep(1ms), weir::sleep_until(weir::clock::now()));
        co_return first.index();
    }());
    REQUIRE(r == 1);
}

TEST_CASE("notify_one_wakes_one_waiter_notify_waiters_wakes_all", "[sync][notify]") {
    // The waiters run on the workers, which a loaded machine may start late: what they do is
    // waited for in the task dump (10 s bounds a hang), not given a fixed 10 ms.
    weir::runtime rt(workers(2));
    auto t = [](weir::runtime& rt) -> weir::task<bool> {
        auto waiting_on_notify = [](weir::runtime& rt) {
            const std::string d = rt.dump_tasks(), what = "waiting on a notify";
            int k = 0;
            for (auto at = d.find(what); at != std::string::npos; at = d.find(what, at + 1)) ++k;
            return k;
        };
        weir::notify n;
        std::atomic<int> woken{0};
        std::vector<weir::join_handle<void>> hs;
        for (int i = 0; i < 3; ++i)
            hs.push_back(weir::spawn([](weir::notify& n, std::atomic<int>& w) -> weir::task<void> {
                co_await n.notified();
                w.fetch_add(1);
            }(n, woken)));
        for (int i = 0; i < 10'000 && waiting_on_notify(rt) < 3; ++i) co_await weir::sleep(1ms);
        n.notify_one();
        for (int i = 0; i < 10'000 && woken.load() < 1; ++i) co_await weir::sleep(1ms);
        // Exactly one woke: the other two still wait (a second one woken would be runnable, or
        // gone, in the dump, even before it counted itself).
        bool one = woken.load() == 1 && waiting_on_notify(rt) == 2;
        n.notify_waiters();
        co_await weir::join_all(std::move(hs));
        co_return (one && woken.load() == 3);
    };
    REQUIRE(rt.block_on(t(rt)));
}

TEST_CASE("notify_waiters_woken_waiter_that_loses_a_select_stores_no_permit", "[sync][notify]") {
    // One worker, so the order is fixed: the waiting task's two branches are both woken in one
    // run, the other notify's first, so the notify_waiters grant is not used. It must not turn
    // into a stored permit: afterwards notified() must wait (the yield branch wins).
    weir::runtime rt(workers(1));
    rt.block_on(weir_test::on_worker([]() -> weir::task<void> {
        weir::notify n, other;
        auto waiter = weir::spawn([](weir::notify& n, weir::notify& other) -> weir::task<int> {
            auto r = co_await weir::select(other.notified(), n.notified());
            co_return static_cast<int>(r.index());
        }(n, other));
        co_await weir::yield_now();  // the waiter runs and waits on both
        other.notify_one();
        n.notify_waiters();
        int woke_by = co_await waiter;  // never co_await inside a Catch macro (tests/lint)
        REQUIRE(woke_by == 0);
        auto r = co_await weir::select(n.notified(), weir::yield_now());
        REQUIRE(r.index() == 1);
    }()));
}

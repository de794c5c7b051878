// The uring driver's rings (backends/uring/uring_rings.hpp): one per worker once two workers do
// I/O, the shared ring alone for a lone worker or under WEIR_URING_SHARED_ONLY=1, and what must
// hold across rings: a cancel from any thread reaches the ring its operation went to, nothing
// received is lost, and a teardown cancels what is pending on every ring. Rings are counted as
// the process's io_uring descriptors. Linux with io_uring only.
#if defined(__linux__) && !defined(__EMSCRIPTEN__)

#include <unistd.h>

#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <system_error>
#include <thread>
#include <weir/weir.hpp>

#include "helpers.hpp"

using namespace std::chrono_literals;
using weir_test::bytes_of;
using weir_test::scoped_env;

namespace {

/// The io_uring instances this process has open (each is an anonymous-inode descriptor).
int open_rings() {
    int n = 0;
    for (auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
        std::error_code ec;
        auto target = std::filesystem::read_symlink(e.path(), ec);
        if (!ec && target.string() == "anon_inode:[io_uring]") ++n;
    }
    return n;
}

/// Both tasks wait here until the other arrives, so each runs on a worker of its own (a task
/// that spins holds its worker). False if the other did not come within 10 s.
bool meet(std::atomic<int>& arrived, int count) {
    arrived.fetch_add(1);
    auto until = std::chrono::steady_clock::now() + 10s;
    while (arrived.load() < count)
        if (std::chrono::steady_clock::now() > until) return false;
    return true;
}

/// One round of I/O on p: a write, then a read of it (a receive goes to the ring).
weir::task<bool> echo_once(weir_test::tcp_pair& p) {
    co_await p.client.write_all(bytes_of("ring"));
    std::array<std::byte, 4> b{};
    co_await p.server.read_exact(b);
    co_return b[0] == std::byte{'r'};
}

/// Two tasks, each on its own worker, each doing two rounds of I/O with a meeting before each
/// (the first worker to do I/O moves to a ring of its own at its first operation after the
/// second made one). Returns whether both met and read what they wrote.
bool two_workers_do_io(weir::runtime& rt, std::array<weir_test::tcp_pair, 2>& pairs) {
    std::atomic<int> arrived{0};
    auto body = [](std::atomic<int>* arrived, weir_test::tcp_pair* p) -> weir::task<bool> {
        bool ok = meet(*arrived, 2);
        ok = co_await echo_once(*p) && ok;
        ok = meet(*arrived, 4) && ok;
        ok = co_await echo_once(*p) && ok;
        co_return ok;
    };
    return rt.block_on([&]() -> weir::task<bool> {
        auto a = weir::spawn(body(&arrived, &pairs[0]));
        auto b = weir::spawn(body(&arrived, &pairs[1]));
        bool ok_a = co_await a;
        bool ok_b = co_await b;
        co_return ok_a&& ok_b;
    }());
}

}  // namespace

TEST_CASE("uring_gives_each_of_two_workers_doing_io_a_ring_of_its_own", "[io][threads]") {
    scoped_env clear("WEIR_IO_BACKEND", nullptr);
    scoped_env per_worker("WEIR_URING_SHARED_ONLY", nullptr);
    auto o = weir_test::uring_only(2);
    if (!o) return;
    const int before = open_rings();
    {
        weir::runtime rt{*o};
        CHECK(open_rings() - before == 1);  // the shared ring
        std::array<weir_test::tcp_pair, 2> pairs;
        for (auto& p : pairs) p = rt.block_on(weir_test::connect_tcp_pair());
        CHECK(two_workers_do_io(rt, pairs));
        CHECK(open_rings() - before == 3);  // and one for each worker
    }
    CHECK(open_rings() == before);  // all gone with the runtime
}

TEST_CASE("uring_keeps_the_shared_ring_alone_for_one_worker_or_when_told_to", "[io][threads]") {
    scoped_env clear("WEIR_IO_BACKEND", nullptr);
    const int before = open_rings();
    SECTION("one worker") {
        scoped_env per_worker("WEIR_URING_SHARED_ONLY", nullptr);
        auto o = weir_test::uring_only(1);
        if (!o) return;
        weir::runtime rt{*o};
        auto p = rt.block_on(weir_test::connect_tcp_pair());
        for (int i = 0; i < 3; ++i)  // on the worker, again and again
            CHECK(rt.block_on(weir_test::on_worker(echo_once(p))));
        CHECK(open_rings() - before == 1);
    }
    SECTION("WEIR_URING_SHARED_ONLY=1 with two workers") {
        scoped_env shared_only("WEIR_URING_SHARED_ONLY", "1");
        auto o = weir_test::uring_only(2);
        if (!o) return;
        weir::runtime rt{*o};
        std::array<weir_test::tcp_pair, 2> pairs;
        for (auto& p : pairs) p = rt.block_on(weir_test::connect_tcp_pair());
        CHECK(two_workers_do_io(rt, pairs));
        CHECK(open_rings() - before == 1);
    }
}

TEST_CASE("uring_cancels_and_tears_down_operations_on_every_worker_s_ring", "[io][threads]") {
    // On two workers' rings: a read that times out (its cancel comes from whichever thread
    // fires the timer), then a read that gets what was written after it (nothing lost to the
    // cancel), then a read left pending when the runtime goes (the teardown cancels it on its
    // ring instead of waiting out its 5 s bound). Under io_suite.uring_no_cancel_any the
    // teardown cancels each operation by itself.
    scoped_env clear("WEIR_IO_BACKEND", nullptr);
    scoped_env per_worker("WEIR_URING_SHARED_ONLY", nullptr);
    auto o = weir_test::uring_only(2);
    if (!o) return;
    const int before = open_rings();
    std::array<weir_test::tcp_pair, 2> pairs;
    std::atomic<int> waiting{0};
    auto torn_down = std::chrono::steady_clock::now();
    {
        weir::runtime rt{*o};
        for (auto& p : pairs) p = rt.block_on(weir_test::connect_tcp_pair());
        REQUIRE(two_workers_do_io(rt, pairs));
        REQUIRE(open_rings() - before == 3);
        std::atomic<int> arrived{0};
        auto body = [](weir_test::tcp_pair* p, std::atomic<int>* arrived,
                       std::atomic<int>* waiting) -> weir::task<int> {
            std::array<std::byte, 4> b{};
            int score = meet(*arrived, 2) ? 100 : 0;  // each on a worker of its own
            try {
                co_await weir::timeout(50ms, p->server.read(b));
            } catch (const weir::timed_out&) {
                score += 1;
            }
            waiting->fetch_add(1);
            co_await weir::timeout(10s, p->server.read_exact(b));
            if (b[0] == std::byte{'l'} && b[3] == std::byte{'e'}) score += 10;
            co_return score;
        };
        int scores = rt.block_on([&]() -> weir::task<int> {
            auto a = weir::spawn(body(&pairs[0], &arrived, &waiting));
            auto b = weir::spawn(body(&pairs[1], &arrived, &waiting));
            while (waiting.load() < 2) co_await weir::sleep(1ms);
            for (auto& p : pairs) co_await p.client.write_all(bytes_of("late"));
            int sa = co_await a;
            int sb = co_await b;
            co_return sa + sb;
        }());
        CHECK(scores == 222);
        arrived = 0;
        std::atomic<int> reading{0};
        rt.block_on([&]() -> weir::task<void> {  // a read pending on each ring at teardown
            for (auto& p : pairs)
                weir::spawn([](weir_test::tcp_pair* p, std::atomic<int>* arrived,
                               std::atomic<int>* reading) -> weir::task<void> {
                    if (!meet(*arrived, 2)) co_return;
                    reading->fetch_add(1);
                    std::array<std::byte, 4> b{};
                    co_await p->server.read(b);
                }(&p, &arrived, &reading));
            auto until = std::chrono::steady_clock::now() + 10s;
            while (reading.load() < 2 && std::chrono::steady_clock::now() < until)
                co_await weir::sleep(1ms);
            co_await weir::sleep(20ms);  // both reads submitted and handed to the kernel
        }());
        CHECK(reading.load() == 2);
        torn_down = std::chrono::steady_clock::now();
    }
    CHECK(std::chrono::steady_clock::now() - torn_down < 4s);  // cancelled, not waited out
    CHECK(open_rings() == before);
}

TEST_CASE("uring_hands_over_a_send_left_queued_behind_a_long_poll", "[io][threads]") {
    // A worker's send waits in its ring for the worker's next flush. If the worker then runs a
    // task that computes for 2 s, another worker (or the parked timer owner) hands it to the
    // kernel: the peer, read from outside the workers, gets the bytes long before the spinner
    // ends (expected within a few lifo_watch_intervals of 2 ms; the bound is 1 s).
    scoped_env clear("WEIR_IO_BACKEND", nullptr);
    scoped_env per_worker("WEIR_URING_SHARED_ONLY", nullptr);
    auto o = weir_test::uring_only(2);
    if (!o) return;
    weir::runtime rt{*o};
    std::array<weir_test::tcp_pair, 2> pairs;
    for (auto& p : pairs) p = rt.block_on(weir_test::connect_tcp_pair());
    REQUIRE(two_workers_do_io(rt, pairs));  // each worker has a ring of its own now
    std::atomic<bool> spinning{false};
    auto spinner = [](std::atomic<bool>* spinning) -> weir::task<void> {
        spinning->store(true);
        weir_test::spin_for(2s);
        co_return;
    };
    auto sender = [&](weir_test::tcp_pair* p) -> weir::task<void> {
        // The spinner goes to this worker's LIFO slot and runs here as soon as the send
        // suspends, before this worker flushes its ring.
        weir::spawn(spinner(&spinning));
        co_await p->client.write_all(bytes_of("held"));
    };
    auto got = rt.block_on([&]() -> weir::task<std::chrono::steady_clock::duration> {
        auto s = weir::spawn(sender(&pairs[0]));
        while (!spinning.load()) co_await weir::sleep(1ms);
        auto from = std::chrono::steady_clock::now();
        std::array<std::byte, 4> b{};
        co_await weir::timeout(10s, pairs[0].server.read_exact(b));  // on this thread
        auto took = std::chrono::steady_clock::now() - from;
        co_await s;
        co_return took;
    }());
    CHECK(got < 1s);
}

#endif

// weir::oneshot: one value, delivered or refused; and its shared state, which whichever end lets
// go last frees, in every order, with a value sent destroyed exactly once (received, or dropped
// with the state). Under ASan (the asan suite, where the frame pool is off) a double free or a
// leak of the state fails these tests too.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using weir_test::workers;

using namespace std::chrono_literals;

namespace {

// A value that counts how many of its kind are alive.
struct counted_value {
    static inline std::atomic<int> alive{0};
    int v = 0;
    explicit counted_value(int x) : v(x) { alive.fetch_add(1); }
    counted_value(counted_value&& o) noexcept : v(o.v) { alive.fetch_add(1); }
    counted_value& operator=(counted_value&& o) noexcept {
        v = o.v;
        return *this;
    }
    ~counted_value() { alive.fetch_sub(1); }
};

}  // namespace

TEST_CASE("oneshot_delivers_one_value", "[sync][oneshot]") {
    weir::runtime rt(workers(2));
    auto v = rt.block_on([]() -> weir::task<int> {
        auto [tx, rx] = weir::oneshot::channel<int>();
        auto h = weir::spawn([](weir::oneshot::sender<int> tx) -> weir::task<bool> {
            co_await weir::sleep(2ms);
            co_return tx.send(17);
        }(std::move(tx)));
        int v = co_await rx;
        bool delivered = co_await h;
        co_return delivered ? v : -1;
    }());
    REQUIRE(v == 17);
}

TEST_CASE("oneshot_dropped_sender_gives_channel_closed", "[sync][oneshot]") {
    weir::runtime rt(workers(1));
    auto t = []() -> weir::task<int> {
        auto [tx, rx] = weir::oneshot::channel<int>();
        { auto d = std::move(tx); }
        co_return co_await rx;
    };
    REQUIRE_THROWS_AS(rt.block_on(t()), weir::channel_closed);
}

TEST_CASE("oneshot_send_twice_or_to_dropped_receiver", "[sync][oneshot]") {
    auto [tx, rx] = weir::oneshot::channel<int>();
    { auto r = std::move(rx); }
    REQUIRE(tx.is_closed());
    REQUIRE_FALSE(tx.send(1));
    REQUIRE_THROWS_AS(tx.send(2), std::logic_error);
}

TEST_CASE("oneshot_state_outlives_whichever_end_goes_first", "[sync][oneshot]") {
    counted_value::alive = 0;
    SECTION("sent, then the receiver dropped without receiving: the value goes with it") {
        auto [tx, rx] = weir::oneshot::channel<counted_value>();
        REQUIRE(tx.send(counted_value(1)));
        REQUIRE(rx.is_ready());
        REQUIRE(counted_value::alive == 1);  // held by the state, the sender already let go
        { auto r = std::move(rx); }
        REQUIRE(counted_value::alive == 0);
    }
    SECTION("the receiver dropped first: a send reports it and keeps nothing") {
        auto [tx, rx] = weir::oneshot::channel<counted_value>();
        { auto r = std::move(rx); }
        REQUIRE(tx.is_closed());
        REQUIRE_FALSE(tx.send(counted_value(2)));
        REQUIRE(counted_value::alive == 0);
    }
    SECTION("the sender dropped unsent, then the receiver") {
        auto [tx, rx] = weir::oneshot::channel<counted_value>();
        { auto t = std::move(tx); }
        REQUIRE(rx.is_ready());  // closed: an await would throw channel_closed
        { auto r = std::move(rx); }
        REQUIRE(counted_value::alive == 0);
    }
    SECTION("moved-from ends let go of nothing") {
        auto [tx, rx] = weir::oneshot::channel<counted_value>();
        weir::oneshot::sender<counted_value> tx2 = std::move(tx);
        weir::oneshot::receiver<counted_value> rx2 = std::move(rx);
        REQUIRE(tx2.send(counted_value(3)));
        REQUIRE_THROWS_AS(tx.send(counted_value(4)), std::logic_error);
        REQUIRE(rx2.is_ready());
        REQUIRE_FALSE(rx.is_ready());
    }
    REQUIRE(counted_value::alive == 0);
}

TEST_CASE("oneshot_receiver_assigned_over_closes_its_old_channel", "[sync][oneshot]") {
    auto [tx1, rx1] = weir::oneshot::channel<int>();
    auto [tx2, rx2] = weir::oneshot::channel<int>();
    rx1 = std::move(rx2);  // rx1's first channel has no receiver any more
    REQUIRE(tx1.is_closed());
    REQUIRE_FALSE(tx1.send(1));
    REQUIRE_FALSE(tx2.is_closed());
    REQUIRE(tx2.send(2));
    REQUIRE(rx1.is_ready());
}

TEST_CASE("oneshot_value_received_once_across_threads", "[sync][oneshot][threads]") {
    // Sender and receiver let go on different threads, in both orders, many times: each value
    // is received exactly once and nothing is left alive.
    counted_value::alive = 0;
    weir::runtime rt(workers(2));
    const int rounds = 2000;
    long sum = rt.block_on([](int rounds) -> weir::task<long> {
        long total = 0;
        for (int i = 0; i < rounds; ++i) {
            auto [tx, rx] = weir::oneshot::channel<counted_value>();
            std::thread t([tx = std::move(tx), i]() mutable { tx.send(counted_value(i)); });
            counted_value got = co_await rx;
            total += got.v;
            t.join();
        }
        co_return total;
    }(rounds));
    REQUIRE(sum == long(rounds) * (rounds - 1) / 2);
    REQUIRE(counted_value::alive == 0);
}

// Vectored I/O under cancellation: a readv cancelled while pending, under timeouts and losing
// selects, loses no byte (they go back to the stream, as a cancelled read's do); a writev
// that times out reports exactly what it sent. Tagged [net]: the I/O suite runs them under
// io_uring and Asio natively (io_suite.asio), and on IOCP under Wine.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"
#include "vectored_io_helpers.hpp"

namespace {

/// Streams vec_byte(0), vec_byte(1), ... in uneven chunks until *stop, then ends the stream.
weir::task<std::uint64_t> vec_stream_until(tcp_stream s, const std::atomic<bool>* stop) {
    byte_vec chunk(4096);
    std::uint64_t pos = 0;
    for (std::size_t round = 0; !stop->load(std::memory_order_acquire); ++round) {
        std::size_t n = 1 + (round * 1237) % chunk.size();
        for (std::size_t k = 0; k < n; ++k) chunk[k] = vec_byte(pos + k);
        co_await s.write_all(std::span<const std::byte>(chunk.data(), n));
        pos += n;
    }
    s.shutdown();
    co_return pos;
}

/// Holds its worker for d without yielding: a completed readv then waits to be reaped while its
/// timer comes due (as in test_io_cancel_safety.cpp).
weir::task<void> vec_hold_worker(std::chrono::microseconds d) {
    weir_test::spin_for(d);
    co_return;
}

struct vec_race_report {
    std::uint64_t received = 0;
    std::uint64_t first_bad = UINT64_MAX;
    int timeouts_fired = 0;
    int selects_lost = 0;
};

/// Checks what one call received against the positions it should have, in buffer order.
void vec_check(vec_race_report& r, const in_bufs& bufs, std::size_t n) {
    for (const auto& b : bufs) {
        std::size_t part = std::min(n, b.size());
        std::size_t k = vec_first_bad(b.data(), part, r.received);
        if (k < part && r.first_bad == UINT64_MAX) r.first_bad = r.received + k;
        r.received += part;
        n -= part;
    }
}

/// Reads through timeouts and losing selects, alternating readv (three buffers) and read, so
/// that bytes a lost readv gave back are taken by a read and the other way round.
weir::task<vec_race_report> vec_read_through_races(tcp_stream s, int rounds,
                                                   std::atomic<bool>* stop) {
    vec_race_report r;
    byte_vec a(7), b(100), c(300), one(407);
    in_bufs three{a, b, c}, single{one};
    for (int i = 0; i < rounds; ++i) {
        if (i % 25 == 0) weir::spawn(vec_hold_worker(std::chrono::microseconds(3000)));
        try {
            if (i % 2 == 0) {
                std::size_t n = co_await weir::timeout(1ms, s.readv(three));
                vec_check(r, three, n);
            } else {
                std::size_t n = co_await weir::timeout(1ms, s.read(one));
                vec_check(r, single, n);
            }
        } catch (const weir::timed_out&) {
            ++r.timeouts_fired;
        }
    }
    while (r.selects_lost < rounds) {
        bool vectored = r.selects_lost % 2 == 0;
        if (vectored) {
            auto v = co_await weir::select(s.readv(three), weir::sleep(0ms));
            if (v.index() == 0)
                vec_check(r, three, std::get<0>(v));
            else
                ++r.selects_lost;
        } else {
            auto v = co_await weir::select(s.read(one), weir::sleep(0ms));
            if (v.index() == 0)
                vec_check(r, single, std::get<0>(v));
            else
                ++r.selects_lost;
        }
    }
    stop->store(true, std::memory_order_release);
    for (;;) {
        std::size_t n = co_await s.readv(three);
        if (n == 0) break;
        vec_check(r, three, n);
    }
    co_return r;
}

}  // namespace

TEST_CASE("tcp_readv_cancelled_while_pending_ends_and_the_socket_stays_usable", "[net]") {
    weir::runtime rt{workers(2)};
    if (!have_io(rt)) return;
    auto got = rt.block_on([]() -> weir::task<std::string> {
        auto p = co_await weir_test::connect_tcp_pair();
        byte_vec a(2), b(8);
        in_bufs bufs{a, b};
        std::string out;
        try {
            co_await weir::timeout(20ms, p.client.readv(bufs));  // nothing was sent
        } catch (const weir::timed_out&) {
            out += "timed out;";
        }
        co_await p.server.write_all(bytes_of("hello"));
        in_bufs hello{a, std::span(b).first(3)};
        co_await vec_recv_all(p.client, hello);
        out += vec_text(a) + "|" + vec_text(std::span(b).first(3));
        co_return out;
    }());
    CHECK(got == "timed out;he|llo");
}

TEST_CASE("tcp_readv_under_timeouts_and_losing_selects_loses_no_byte", "[net]") {
    weir::runtime peer{workers(1)};
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
    auto addr = l.local_address();
    std::atomic<bool> stop{false};
    auto writer =
        peer.spawn([](tcp_listener* l, const std::atomic<bool>* stop) -> weir::task<std::uint64_t> {
            co_return co_await vec_stream_until(co_await l->accept(), stop);
        }(&l, &stop));
    constexpr int rounds = 2000;
    vec_race_report r = rt.block_on([](socket_address addr,
                                       std::atomic<bool>* stop) -> weir::task<vec_race_report> {
        tcp_stream s = co_await tcp_stream::connect(addr);
        co_return co_await weir_test::on_worker(vec_read_through_races(std::move(s), rounds, stop));
    }(addr, &stop));
    std::uint64_t sent = peer.block_on(std::move(writer));
    INFO("driver " << rt.io_backend() << ": sent " << sent << ", received " << r.received
                   << ", timeouts fired " << r.timeouts_fired);
    CHECK(r.first_bad == UINT64_MAX);
    CHECK(r.received == sent);
    CHECK(r.selects_lost == rounds);
    CHECK(r.timeouts_fired >= rounds / 25 / 2);  // the forced races did happen
}

TEST_CASE("tcp_writev_that_times_out_reports_exactly_what_it_sent", "[net]") {
    // The peer does not read until the end, so the socket's buffers fill and a writev waits;
    // its timeout then ends it. Every count a writev gave must match what arrived, and the one
    // that timed out must have sent nothing (or, if its send completed first, given its count).
    weir::runtime rt{workers(2)};
    if (!have_io(rt)) return;
    auto out = rt.block_on([]() -> weir::task<std::string> {
        auto p = co_await weir_test::connect_tcp_pair();
        std::uint64_t sent = 0;
        int timeouts = 0;
        for (int i = 0; i < 100000 && timeouts == 0; ++i) {
            byte_vec data = vec_pattern(sent, 60'000);
            out_bufs bufs =
                vec_cut(std::span<const std::byte>(data), std::vector<std::size_t>{10'000, 50'000});
            try {
                std::size_t n = co_await weir::timeout(50ms, p.client.writev(bufs));
                sent += n;
            } catch (const weir::timed_out&) {
                ++timeouts;
            }
        }
        p.client.shutdown();
        byte_vec got = co_await vec_read_to_end(p.server);
        std::size_t good = vec_first_bad(got.data(), got.size(), 0);
        co_return "timeouts " + std::to_string(timeouts) + "; arrived as reported " +
            std::to_string(got.size() == sent) + "; in order " + std::to_string(good == got.size());
    }());
    CHECK(out == "timeouts 1; arrived as reported 1; in order 1");
}

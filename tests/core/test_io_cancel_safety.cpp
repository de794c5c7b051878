// Cancel safety of reads and accepts (docs/io.md, "Cancel safety"): a read or an accept that
// loses a race (timeout, the losing branch of select) after the kernel already delivered its
// bytes or its connection must not lose them. A peer streams a position-coded byte sequence, or
// clients connect and wait for an echo of their number, while the reader or the acceptor goes
// through thousands of timeouts and losing select branches; every byte and every connection is
// checked. Run under the default driver here, and under Asio by the CTest entries
// io_suite.asio and io_suite.uring_setup_fails.
//
// Most timeouts race a read that is ready and cost microseconds. To make sure the interesting
// race happens (the timer fires while a completed read waits to be reaped), every 25th
// iteration first spawns a task that holds the only worker for 3 ms: the read is completed in
// the kernel meanwhile, and when the worker comes back it fires the due timer before it reaps.
#if !defined(__EMSCRIPTEN__)

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using namespace std::chrono_literals;
using weir::net::socket_address;
using weir::net::tcp_listener;
using weir::net::tcp_stream;
using weir_test::workers;

namespace {

/// The byte at position i of the stream: no short period, so a lost or repeated chunk shows.
std::byte code(std::uint64_t i) {
    return static_cast<std::byte>((i ^ (i >> 7) ^ (i >> 15)) * 0x9e3779b1u >> 11);
}

/// Holds the worker it runs on for d (a task that never yields).
weir::task<void> hold_worker(std::chrono::microseconds d) {
    weir_test::spin_for(d);
    co_return;
}

/// Every kForceEvery-th iteration races a completed read against a due timer (file comment).
constexpr int kForceEvery = 25;
constexpr auto kHold = std::chrono::microseconds(3000);

/// Streams code(0), code(1), ... in chunks of uneven size until *stop, then ends the stream.
weir::task<std::uint64_t> stream_positions(tcp_stream s, const std::atomic<bool>* stop) {
    std::vector<std::byte> chunk(4096);
    std::uint64_t pos = 0;
    for (std::size_t round = 0; !stop->load(std::memory_order_acquire); ++round) {
        std::size_t n = 1 + (round * 1237) % chunk.size();
        for (std::size_t k = 0; k < n; ++k) chunk[k] = code(pos + k);
        co_await s.write_all(std::span<const std::byte>(chunk.data(), n));
        pos += n;
    }
    s.shutdown();
    co_return pos;
}

struct read_report {
    std::uint64_t received = 0;
    std::uint64_t first_bad = UINT64_MAX;  // the first position whose byte was wrong
    int timeouts_fired = 0;
    int selects_lost = 0;
};

/// Checks n received bytes against the positions they should have.
void check_bytes(read_report& r, const std::byte* b, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k)
        if (b[k] != code(r.received + k) && r.first_bad == UINT64_MAX) r.first_bad = r.received + k;
    r.received += n;
}

weir::task<read_report> read_through_races(tcp_stream s, int timeouts, int lost_selects,
                                           std::atomic<bool>* stop) {
    read_report r;
    std::vector<std::byte> buf(512);
    for (int i = 0; i < timeouts; ++i) {
        if (i % kForceEvery == 0) weir::spawn(hold_worker(kHold));
        try {
            std::size_t n = co_await weir::timeout(1ms, s.read(buf));
            check_bytes(r, buf.data(), n);
        } catch (const weir::timed_out&) {
            ++r.timeouts_fired;
        }
    }
    while (r.selects_lost < lost_selects) {
        // The read starts first; the sleep is due at once and wins unless the read finishes
        // while it starts (which it does when bytes kept from a lost read are waiting).
        auto v = co_await weir::select(s.read(buf), weir::sleep(0ms));
        if (v.index() == 0)
            check_bytes(r, buf.data(), std::get<0>(v));
        else
            ++r.selects_lost;
    }
    stop->store(true, std::memory_order_release);
    for (;;) {  // the rest, up to the end of the stream
        std::size_t n = co_await s.read(buf);
        if (n == 0) break;
        check_bytes(r, buf.data(), n);
    }
    co_return r;
}

}  // namespace

TEST_CASE("tcp_read_under_timeouts_and_losing_selects_loses_no_byte", "[net]") {
    weir::runtime peer{workers(1)};
    weir::runtime rt{workers(1)};
    if (!weir_test::have_io(rt)) return;
    auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
    auto addr = l.local_address();
    std::atomic<bool> stop{false};
    auto writer =
        peer.spawn([](tcp_listener* l, const std::atomic<bool>* stop) -> weir::task<std::uint64_t> {
            co_return co_await stream_positions(co_await l->accept(), stop);
        }(&l, &stop));
    read_report r =
        rt.block_on([](socket_address addr, std::atomic<bool>* stop) -> weir::task<read_report> {
            tcp_stream s = co_await tcp_stream::connect(addr);
            co_return co_await weir_test::on_worker(
                read_through_races(std::move(s), 10'000, 10'000, stop));
        }(addr, &stop));
    std::uint64_t sent = peer.block_on(std::move(writer));
    INFO("driver " << rt.io_backend() << ": sent " << sent << ", received " << r.received
                   << ", timeouts fired " << r.timeouts_fired);
    CHECK(r.first_bad == UINT64_MAX);
    CHECK(r.received == sent);
    CHECK(r.selects_lost == 10'000);
    CHECK(r.timeouts_fired >= 10'000 / kForceEvery / 2);  // the forced races did happen
}

namespace {

/// A client: connects, sends its number, expects it back, then the server's end of stream.
weir::task<bool> numbered_client(socket_address addr, std::uint32_t id) {
    tcp_stream c = co_await tcp_stream::connect(addr);
    std::byte out[4], in[4];
    std::memcpy(out, &id, 4);
    try {
        co_await c.write_all(out);
        co_await c.read_exact(in);
    } catch (const std::system_error&) {  // end of stream or reset: the server dropped it
        co_return false;
    }
    co_return std::memcmp(in, out, 4) == 0;
}

/// n clients, at most `parallel` at a time; gives how many were served correctly.
weir::task<int> run_clients(socket_address addr, int n, int parallel, std::atomic<bool>* done) {
    int ok = 0, next = 0;
    std::vector<weir::join_handle<bool>> running;
    while (next < n || !running.empty()) {
        while (next < n && static_cast<int>(running.size()) < parallel)
            running.push_back(
                weir::spawn(numbered_client(addr, static_cast<std::uint32_t>(next++))));
        ok += (co_await running.front()) ? 1 : 0;
        running.erase(running.begin());
    }
    done->store(true, std::memory_order_release);
    co_return ok;
}

/// Echoes the 4-byte number and closes (the server closes first).
weir::task<void> echo_number(tcp_stream s, std::vector<int>* seen) {
    std::byte b[4];
    co_await s.read_exact(b);
    std::uint32_t id;
    std::memcpy(&id, b, 4);
    if (id < seen->size()) ++(*seen)[id];
    co_await s.write_all(b);
}

struct accept_report {
    int timeouts_fired = 0;
    int selects_lost = 0;
    std::vector<int> seen;
};

/// Accepts until n connections were served, or every client has finished (then the ones not
/// accepted were lost).
weir::task<accept_report> accept_through_races(tcp_listener* l, int n,
                                               const std::atomic<bool>* clients_done) {
    accept_report r;
    r.seen.assign(static_cast<std::size_t>(n), 0);
    std::vector<weir::join_handle<void>> echoes;
    int accepted = 0;
    for (int i = 0; accepted < n && !clients_done->load(std::memory_order_acquire); ++i) {
        tcp_stream s;
        if (i % 2 == 0) {
            if (i % (2 * kForceEvery) == 0) weir::spawn(hold_worker(kHold));
            try {
                s = co_await weir::timeout(1ms, l->accept());
            } catch (const weir::timed_out&) {
                ++r.timeouts_fired;
                continue;
            }
        } else {
            auto v = co_await weir::select(l->accept(), weir::sleep(0ms));
            if (v.index() == 1) {
                ++r.selects_lost;
                continue;
            }
            s = std::move(std::get<0>(v));
        }
        ++accepted;
        echoes.push_back(weir::spawn(echo_number(std::move(s), &r.seen)));
    }
    co_await weir::join_all(std::move(echoes));
    co_return r;
}

}  // namespace

TEST_CASE("tcp_accept_under_timeouts_and_losing_selects_loses_no_connection", "[net]") {
    constexpr int n = 3000;
    weir::runtime clients{workers(2)};
    weir::runtime rt{workers(1)};
    if (!weir_test::have_io(rt)) return;
    auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
    std::atomic<bool> done{false};
    auto served = clients.spawn(run_clients(l.local_address(), n, 32, &done));
    accept_report r = rt.block_on(weir_test::on_worker(accept_through_races(&l, n, &done)));
    int ok = clients.block_on(std::move(served));
    int once = 0;
    for (int c : r.seen) once += c == 1 ? 1 : 0;
    INFO("driver " << rt.io_backend() << ": timeouts fired " << r.timeouts_fired
                   << ", selects lost " << r.selects_lost);
    CHECK(ok == n);    // every client got its echo: no connection was dropped
    CHECK(once == n);  // and the server saw each exactly once
    CHECK(r.selects_lost > 0);
}

TEST_CASE("udp_recv_from_losing_selects_loses_no_datagram", "[net]") {
    weir::runtime rt{workers(1)};
    if (!weir_test::have_io(rt)) return;
    auto r = rt.block_on(weir_test::on_worker([]() -> weir::task<std::pair<int, int>> {
        auto at = socket_address::parse("127.0.0.1:0");
        auto rx = weir::net::udp_socket::bind(at);
        auto tx = weir::net::udp_socket::bind(at);
        int in_order = 0, lost_races = 0;
        std::vector<std::byte> buf(16);
        for (std::uint32_t i = 0; i < 2000; ++i) {
            std::byte out[4];
            std::memcpy(out, &i, 4);
            co_await tx.send_to(out, rx.local_address());
            // The receive starts first and is usually complete in the kernel when it loses.
            auto v = co_await weir::select(rx.recv_from(buf), weir::sleep(0ms));
            std::size_t n;
            if (v.index() == 0) {
                n = std::get<0>(v).first;
            } else {
                ++lost_races;
                n = (co_await weir::timeout(5s, rx.recv_from(buf))).first;
            }
            std::uint32_t got = ~0u;
            if (n == 4) std::memcpy(&got, buf.data(), 4);
            in_order += got == i ? 1 : 0;
        }
        co_return std::pair{in_order, lost_races};
    }()));
    CHECK(r.first == 2000);
    CHECK(r.second > 0);
}

TEST_CASE("tcp_read_exact_cancelled_halfway_gives_its_bytes_back", "[net]") {
    weir::runtime rt{workers(1)};
    if (!weir_test::have_io(rt)) return;
    std::string got = rt.block_on([]() -> weir::task<std::string> {
        auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
        tcp_stream c = co_await tcp_stream::connect(l.local_address());
        tcp_stream s = co_await l.accept();
        co_await c.write_all(weir_test::bytes_of("abcd"));
        std::byte buf[8];
        bool timed_out = false;
        try {
            co_await weir::timeout(20ms, s.read_exact(buf));  // half of it comes
        } catch (const weir::timed_out&) {
            timed_out = true;
        }
        co_await c.write_all(weir_test::bytes_of("efgh"));
        co_await weir::timeout(5s, s.read_exact(buf));
        co_return std::string(timed_out ? "timed out, then " : "") +
            std::string(reinterpret_cast<const char*>(buf), 8);
    }());
    REQUIRE(got == "timed out, then abcdefgh");
}

#endif

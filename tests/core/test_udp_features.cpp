// udp_socket beyond send_to/recv_from (udp.hpp): connect() with send/recv to a fixed peer, the
// truncation flag of recv_msg, and peek_from. The I/O suite runs these under both Linux drivers
// and under Wine. (co_await never inside a Catch2 macro: tests/lint says why.)
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <system_error>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using namespace std::chrono_literals;
using weir::net::socket_address;
using weir::net::udp_socket;
using weir_test::bytes_of;
using weir_test::have_io;
using weir_test::workers;

namespace {
udp_socket udp_loopback() { return udp_socket::bind(socket_address::parse("127.0.0.1:0")); }
std::string udp_text(const std::vector<std::byte>& b, std::size_t n) {
    return std::string(reinterpret_cast<const char*>(b.data()), n);
}
}  // namespace

TEST_CASE("udp_recv_msg_says_when_a_datagram_was_cut_to_the_buffer", "[net]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    rt.block_on([]() -> weir::task<void> {
        udp_socket a = udp_loopback(), b = udp_loopback();
        std::string big(1000, 'x');
        big[0] = 'a';
        co_await a.send_to(bytes_of(big), b.local_address());
        co_await a.send_to(bytes_of("short"), b.local_address());
        std::vector<std::byte> buf(10);
        weir::net::datagram_info cut = co_await weir::timeout(5s, b.recv_msg(buf));
        CHECK(cut.size == 10);
        CHECK(cut.truncated);
        CHECK(udp_text(buf, 1) == "a");
        CHECK(cut.from == a.local_address());
        weir::net::datagram_info whole = co_await weir::timeout(5s, b.recv_msg(buf));
        CHECK(whole.size == 5);
        CHECK_FALSE(whole.truncated);
        CHECK(udp_text(buf, 5) == "short");
    }());
}

TEST_CASE("udp_recv_from_gives_the_size_that_fitted_not_the_datagrams", "[net]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    rt.block_on([]() -> weir::task<void> {
        udp_socket a = udp_loopback(), b = udp_loopback();
        co_await a.send_to(bytes_of(std::string(300, 'y')), b.local_address());
        std::vector<std::byte> buf(7);
        auto [n, from] = co_await weir::timeout(5s, b.recv_from(buf));
        CHECK(n == 7);
        CHECK(from == a.local_address());
    }());
}

TEST_CASE("udp_connected_sockets_send_and_receive_without_addresses", "[net]") {
    weir::runtime rt{workers(2)};
    if (!have_io(rt)) return;
    rt.block_on([]() -> weir::task<void> {
        udp_socket a = udp_loopback(), b = udp_loopback();
        a.connect(b.local_address());
        b.connect(a.local_address());
        CHECK(a.peer_address() == b.local_address());
        std::size_t sent = co_await a.send(bytes_of("hello"));
        CHECK(sent == 5);
        std::vector<std::byte> buf(16);
        std::size_t n = co_await weir::timeout(5s, b.recv(buf));
        CHECK(udp_text(buf, n) == "hello");
        co_await b.send(bytes_of("back"));
        std::size_t m = co_await weir::timeout(5s, a.recv(buf));
        CHECK(udp_text(buf, m) == "back");
        // recv cuts a large datagram to the buffer, as recv_from does
        co_await b.send(bytes_of(std::string(100, 'z')));
        std::vector<std::byte> small(3);
        std::size_t k = co_await weir::timeout(5s, a.recv(small));
        CHECK(k == 3);
    }());
}

TEST_CASE("udp_connected_socket_receives_only_from_its_peer", "[net]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    rt.block_on([]() -> weir::task<void> {
        udp_socket a = udp_loopback(), peer = udp_loopback(), stranger = udp_loopback();
        a.connect(peer.local_address());
        co_await stranger.send_to(bytes_of("stranger"), a.local_address());
        co_await peer.send_to(bytes_of("peer"), a.local_address());
        std::vector<std::byte> buf(16);
        auto [n, from] = co_await weir::timeout(5s, a.recv_from(buf));
        CHECK(udp_text(buf, n) == "peer");
        CHECK(from == peer.local_address());
    }());
}

TEST_CASE("udp_send_before_connect_fails_clearly", "[net]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    udp_socket a = udp_loopback();
    CHECK_THROWS_AS(a.peer_address(), std::system_error);
    bool failed = rt.block_on([](udp_socket& a) -> weir::task<bool> {
        try {
            co_await a.send(bytes_of("nowhere"));
        } catch (const std::system_error&) {
            co_return true;
        }
        co_return false;
    }(a));
    CHECK(failed);
}

TEST_CASE("udp_peek_from_leaves_the_datagram_for_the_next_receive", "[net]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    rt.block_on([]() -> weir::task<void> {
        udp_socket a = udp_loopback(), b = udp_loopback();
        co_await a.send_to(bytes_of("first"), b.local_address());
        co_await a.send_to(bytes_of("second"), b.local_address());
        std::vector<std::byte> buf(16);
        auto [p, pfrom] = co_await weir::timeout(5s, b.peek_from(buf));
        CHECK(udp_text(buf, p) == "first");
        CHECK(pfrom == a.local_address());
        auto [p2, pfrom2] = co_await weir::timeout(5s, b.peek_from(buf));
        CHECK(udp_text(buf, p2) == "first");  // still there
        auto [n, from] = co_await weir::timeout(5s, b.recv_from(buf));
        CHECK(udp_text(buf, n) == "first");
        auto [m, from2] = co_await weir::timeout(5s, b.recv_from(buf));
        CHECK(udp_text(buf, m) == "second");
    }());
}

TEST_CASE("udp_connected_recv_that_loses_a_select_keeps_its_datagram", "[net]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    rt.block_on([]() -> weir::task<void> {
        udp_socket a = udp_loopback(), b = udp_loopback();
        b.connect(a.local_address());
        std::vector<std::byte> buf(4);
        // 200 losing receives against datagrams sent meanwhile: every one arrives, in order,
        // with the truncation flag of the ones cut to the 4-byte buffer.
        auto message = [](int i) {
            return std::to_string(i) + (i % 3 == 0 ? std::string(20, '.') : std::string());
        };
        int next = 0, lost_races = 0;  // the next datagram expected, in sending order
        for (int i = 0; i < 200; ++i) {
            co_await a.send_to(bytes_of(message(i)), b.local_address());
            auto r = co_await weir::select(b.recv(buf), weir::yield_now());
            if (r.index() == 0) {  // the recv won: it must be the next datagram
                CHECK(udp_text(buf, std::get<0>(r)) == message(next++).substr(0, 4));
            } else {
                ++lost_races;
            }
        }
        while (next < 200) {
            weir::net::datagram_info d = co_await weir::timeout(5s, b.recv_msg(buf));
            std::string want = message(next++);
            CHECK(udp_text(buf, d.size) == want.substr(0, 4));
            CHECK(d.truncated == (want.size() > 4));
            CHECK(d.from == a.local_address());
        }
        INFO("receives that lost to yield_now: " << lost_races);
    }());
}

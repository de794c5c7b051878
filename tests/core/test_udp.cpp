// weir::net::udp_socket: datagram round trips over IPv4 and IPv6 loopback.
#include <catch2/catch.hpp>
#include <string>
#include <system_error>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using weir::net::socket_address;
using weir::net::udp_socket;
using weir_test::bytes_of;
using weir_test::have_io;
using weir_test::workers;

namespace {
weir::task<std::string> ping_pong(socket_address where) {
    udp_socket a = udp_socket::bind(where);
    udp_socket b = udp_socket::bind(where);
    co_await a.send_to(bytes_of("ping"), b.local_address());
    std::vector<std::byte> buf(64);
    auto [n, from] = co_await b.recv_from(buf);
    std::string got(reinterpret_cast<const char*>(buf.data()), n);
    co_await b.send_to(bytes_of(got + "-pong"), from);  // reply to the sender's address
    auto [m, from2] = co_await a.recv_from(buf);
    std::string reply(reinterpret_cast<const char*>(buf.data()), m);
    bool from_b = from2 == b.local_address();
    co_return reply + (from_b ? " from b" : " from elsewhere");
}
}  // namespace

TEST_CASE("udp_round_trip_over_ipv4_loopback", "[net]") {
    weir::runtime rt{workers(2)};
    if (!have_io(rt)) return;
    REQUIRE(rt.block_on(ping_pong(socket_address::parse("127.0.0.1:0"))) == "ping-pong from b");
}

TEST_CASE("udp_round_trip_over_ipv6_loopback", "[net]") {
    weir::runtime rt{workers(2)};
    if (!have_io(rt)) return;
    try {
        udp_socket::bind(socket_address::parse("[::1]:0"));
    } catch (const std::system_error& e) {
        WARN("no IPv6 loopback here: " << e.what());
        return;
    }
    REQUIRE(rt.block_on(ping_pong(socket_address::parse("[::1]:0"))) == "ping-pong from b");
}

TEST_CASE("udp_recv_from_cancelled_by_timeout", "[net]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    bool timed_out = rt.block_on([]() -> weir::task<bool> {
        udp_socket u = udp_socket::bind(socket_address::parse("127.0.0.1:0"));
        std::vector<std::byte> buf(16);
        try {
            co_await weir::timeout(std::chrono::milliseconds(10), u.recv_from(buf));
        } catch (const weir::timed_out&) {
            co_return true;
        }
        co_return false;
    }());
    REQUIRE(timed_out);
}

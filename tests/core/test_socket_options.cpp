// Socket options of weir::net (socket_options.hpp): each set and read back, invalid values
// refused, and the ones with a visible effect checked by it: shutdown(read) ends reads at once,
// reuse_port shares a port (linger 0 resetting the connection is test_tcp_faults.cpp's
// tcp_peer_reset_surfaces_as_connection_reset). The I/O suite runs this under
// both Linux drivers and under Wine.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <weir/weir.hpp>

#include "helpers.hpp"

using namespace std::chrono_literals;
using weir::net::socket_address;
using weir::net::tcp_listener;
using weir::net::tcp_stream;
using weir::net::udp_socket;
using weir_test::bytes_of;
using weir_test::have_io;
using weir_test::workers;

TEST_CASE("tcp_stream_socket_options_are_set_and_read_back", "[net]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    rt.block_on([]() -> weir::task<void> {
        auto p = co_await weir_test::connect_tcp_pair("127.0.0.1:0");
        tcp_stream& s = p.client;
        s.set_keepalive(true);
        CHECK(s.keepalive());
        s.set_keepalive(false);
        CHECK_FALSE(s.keepalive());
        s.set_nodelay(true);
        CHECK(s.nodelay());
        CHECK(s.linger() == std::nullopt);  // the default
        s.set_linger(5s);
        CHECK(s.linger() == std::optional<std::chrono::seconds>(5s));
        s.set_linger(std::nullopt);
        CHECK(s.linger() == std::nullopt);
        s.set_recv_buffer_size(64 * 1024);
        CHECK(s.recv_buffer_size() >= 64 * 1024);  // Linux doubles it
        s.set_send_buffer_size(32 * 1024);
        CHECK(s.send_buffer_size() >= 32 * 1024);
        s.set_ttl(17);
        CHECK(s.ttl() == 17);
        p.listener.set_ttl(33);
        CHECK(p.listener.ttl() == 33);
        CHECK_THROWS_AS(s.set_ttl(0), std::invalid_argument);
        CHECK_THROWS_AS(s.set_ttl(256), std::invalid_argument);
        CHECK_THROWS_AS(s.set_recv_buffer_size(0), std::invalid_argument);
        CHECK_THROWS_AS(s.set_linger(-1s), std::invalid_argument);
        tcp_stream empty;
        CHECK_THROWS_AS(empty.set_keepalive(true), std::logic_error);  // closed: clear error
        co_return;
    }());
}

TEST_CASE("tcp_stream_ttl_on_ipv6_is_the_hop_limit", "[net]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    rt.block_on([]() -> weir::task<void> {
        auto p = co_await weir_test::connect_tcp_pair("[::1]:0");
        p.client.set_ttl(9);
        CHECK(p.client.ttl() == 9);
    }());
}

TEST_CASE("tcp_shutdown_read_ends_reads_and_keeps_writing", "[net]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    rt.block_on([]() -> weir::task<void> {
        auto p = co_await weir_test::connect_tcp_pair("127.0.0.1:0");
        p.server.shutdown(weir::net::shutdown_how::read);
        co_await p.client.write_all(bytes_of("late"));
        std::byte b[8];
        std::size_t first = co_await weir::timeout(5s, p.server.read(b));
        std::size_t second = co_await weir::timeout(5s, p.server.read(b));
        CHECK(first == 0);  // at once, data or not
        CHECK(second == 0);
        co_await p.server.write_all(bytes_of("still"));  // the other direction still works
        std::byte got[5];
        co_await weir::timeout(5s, p.client.read_exact(got));
        CHECK(std::string(reinterpret_cast<const char*>(got), 5) == "still");
        p.server.shutdown(weir::net::shutdown_how::both);
        std::size_t end = co_await weir::timeout(5s, p.client.read(b));
        CHECK(end == 0);  // the peer sees the end
    }());
}

TEST_CASE("tcp_listener_reuse_port_lets_two_listeners_share_a_port", "[net]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    weir::net::listen_options o;
    o.reuse_port = true;
#ifdef _WIN32
    try {
        (void)tcp_listener::bind(socket_address::parse("127.0.0.1:0"), o);
        FAIL("reuse_port on Windows");
    } catch (const std::system_error& e) {
        CHECK(e.code() == std::errc::not_supported);
    }
#else
    auto a = tcp_listener::bind(socket_address::parse("127.0.0.1:0"), o);
    CHECK(a.reuse_port());
    socket_address at = a.local_address();
    auto b = tcp_listener::bind(at, o);  // the same port
    CHECK(b.local_address() == at);
    try {
        (void)tcp_listener::bind(at);  // without reuse_port: the port is taken
        FAIL("bound a taken port");
    } catch (const std::system_error& e) {
        CHECK(e.code() == std::errc::address_in_use);
    }
    // a connection reaches one of them
    std::size_t accepted = rt.block_on(
        [](tcp_listener& a, tcp_listener& b, socket_address at) -> weir::task<std::size_t> {
            tcp_stream c = co_await weir::timeout(5s, tcp_stream::connect(at));
            auto which = co_await weir::timeout(5s, weir::select(a.accept(), b.accept()));
            co_return which.index();
        }(a, b, at));
    CHECK(accepted <= 1);
#endif
}

TEST_CASE("udp_socket_options_are_set_and_read_back", "[net]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    auto u = udp_socket::bind(socket_address::parse("127.0.0.1:0"));
    CHECK_FALSE(u.broadcast());
    u.set_broadcast(true);
    CHECK(u.broadcast());
    u.set_ttl(5);
    CHECK(u.ttl() == 5);
    u.set_recv_buffer_size(128 * 1024);
    CHECK(u.recv_buffer_size() >= 128 * 1024);
    u.set_send_buffer_size(16 * 1024);
    CHECK(u.send_buffer_size() >= 16 * 1024);
    CHECK_THROWS_AS(u.set_ttl(300), std::invalid_argument);
}

// weir::net TCP over the runtime's I/O backend: echo, errors, cancellation, IPv6. Natively only
// where an I/O backend exists (io_uring); elsewhere the calls must fail clearly.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using namespace std::chrono_literals;
using weir::net::socket_address;
using weir::net::tcp_listener;
using weir::net::tcp_stream;
using weir_test::bytes_of;
using weir_test::have_io;
using weir_test::workers;

namespace {
weir::task<void> echo_one(tcp_stream s) {
    std::vector<std::byte> buf(4096);
    for (;;) {
        std::size_t n = co_await s.read(buf);
        if (n == 0) co_return;
        co_await s.write_all(std::span<const std::byte>(buf.data(), n));
    }
}

weir::task<void> echo_server(tcp_listener l, int clients) {
    std::vector<weir::join_handle<void>> hs;
    for (int i = 0; i < clients; ++i) hs.push_back(weir::spawn(echo_one(co_await l.accept())));
    co_await weir::join_all(std::move(hs));
}

weir::task<bool> echo_client(socket_address addr, int id, int rounds) {
    tcp_stream s = co_await tcp_stream::connect(addr);
    s.set_nodelay(true);
    std::vector<std::byte> back;
    for (int r = 0; r < rounds; ++r) {
        std::string msg = "client " + std::to_string(id) + " round " + std::to_string(r) + ";";
        co_await s.write_all(bytes_of(msg));
        back.resize(msg.size());
        co_await s.read_exact(back);
        if (std::memcmp(back.data(), msg.data(), msg.size()) != 0) co_return false;
    }
    s.shutdown();
    std::byte one[1];
    co_return (co_await s.read(one)) == 0;  // the server closes after our shutdown
}
}  // namespace

TEST_CASE("tcp_echo_concurrent_clients_every_byte_checked", "[net]") {
    weir::runtime rt{workers(2)};
    if (!have_io(rt)) return;  // no I/O backend here: see tcp_without_io_backend_fails_clearly
    auto ok = rt.block_on([]() -> weir::task<int> {
        auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
        auto addr = l.local_address();
        constexpr int clients = 20, rounds = 200;
        auto server = weir::spawn(echo_server(std::move(l), clients));
        std::vector<weir::join_handle<bool>> cs;
        for (int i = 0; i < clients; ++i) cs.push_back(weir::spawn(echo_client(addr, i, rounds)));
        int good = 0;
        for (bool b : co_await weir::join_all(std::move(cs))) good += b ? 1 : 0;
        co_await server;
        co_return good;
    }());
    REQUIRE(ok == 20);
}

TEST_CASE("tcp_without_io_backend_fails_clearly", "[net]") {
    weir_test::scoped_env clear("WEIR_IO_BACKEND", nullptr);
    auto opts = workers(1);
    opts.io_backend = "none";
    weir::runtime rt{opts};
    REQUIRE(std::string(rt.io_backend()) == weir_test::no_io_name());
    auto run = []() -> weir::task<void> {
        auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
        co_await tcp_stream::connect(l.local_address());
    };
    try {
        rt.block_on(run());
        FAIL("no error");
    } catch (const std::system_error& e) {
        REQUIRE(e.code() == std::errc::function_not_supported);
    }
}

TEST_CASE("tcp_connect_to_a_closed_port_is_refused", "[net]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    auto addr = [] {  // a port that was just free: bind, note it, close
        auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
        return l.local_address();
    }();
    try {
        rt.block_on(tcp_stream::connect(addr));
        FAIL("connected to a closed port");
    } catch (const std::system_error& e) {
        REQUIRE(e.code() == std::errc::connection_refused);
    }
}

TEST_CASE("tcp_listener_with_backlog_zero_listens_and_accepts", "[net]") {
    // listen(fd, 0) is valid (the OS's smallest queue); 0 once meant "do not listen".
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    std::string got = rt.block_on([]() -> weir::task<std::string> {
        auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"), 0);
        tcp_stream c = co_await weir::timeout(5s, tcp_stream::connect(l.local_address()));
        tcp_stream s = co_await weir::timeout(5s, l.accept());
        co_await c.write_all(bytes_of("hi"));
        std::byte b[2];
        co_await weir::timeout(5s, s.read_exact(b));
        co_return std::string(reinterpret_cast<const char*>(b), 2);
    }());
    REQUIRE(got == "hi");
    REQUIRE_THROWS_AS(tcp_listener::bind(socket_address::parse("127.0.0.1:0"), -1),
                      std::invalid_argument);
}

TEST_CASE("tcp_partial_reads_return_what_has_arrived", "[net]") {
    weir::runtime rt{workers(2)};
    if (!have_io(rt)) return;
    auto got = rt.block_on([]() -> weir::task<std::string> {
        auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
        tcp_stream c = co_await tcp_stream::connect(l.local_address());
        tcp_stream s = co_await l.accept();
        std::string out;
        std::vector<std::byte> big(64), two(2);
        co_await s.write_all(bytes_of("abc"));
        // A read returns what has arrived, not a full buffer: 3 of 64 bytes.
        out += std::to_string(co_await c.read(big)) + ";";
        co_await s.write_all(bytes_of("defgh"));
        // The rest comes in pieces no larger than the buffer, in order.
        std::string rest;
        while (rest.size() < 5) {
            std::size_t n = co_await c.read(two);
            out += std::to_string(n) + ",";
            rest.append(reinterpret_cast<const char*>(two.data()), n);
        }
        out += rest;
        co_return out;
    }());
    // 5 bytes through a 2-byte buffer: at least three reads (2,2,1 when all arrived at once).
    INFO(got);
    REQUIRE(got.rfind("3;", 0) == 0);
    REQUIRE(got.size() >= std::string("3;2,2,1,defgh").size());
    REQUIRE(got.substr(got.size() - 5) == "defgh");
}

TEST_CASE("tcp_read_exact_on_early_eof_throws_end_of_stream", "[net]") {
    weir::runtime rt{workers(2)};
    if (!have_io(rt)) return;
    auto what = rt.block_on([]() -> weir::task<std::string> {
        auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
        auto addr = l.local_address();
        auto server = weir::spawn([](tcp_listener l) -> weir::task<void> {
            tcp_stream s = co_await l.accept();
            co_await s.write_all(bytes_of("abc"));
        }(std::move(l)));  // the stream closes when the task ends
        tcp_stream c = co_await tcp_stream::connect(addr);
        std::vector<std::byte> buf(10);
        std::string msg;
        try {
            co_await c.read_exact(buf);
        } catch (const weir::net::end_of_stream& e) {
            msg = e.what();
        }
        co_await server;
        co_return msg;
    }());
    REQUIRE(what.find("after 3 of 10 bytes") != std::string::npos);
}

TEST_CASE("tcp_read_cancelled_while_pending_ends_promptly_and_the_socket_stays_usable", "[net]") {
    weir::runtime rt{workers(2)};
    if (!have_io(rt)) return;
    auto result = rt.block_on([]() -> weir::task<std::string> {
        auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
        tcp_stream c = co_await tcp_stream::connect(l.local_address());
        tcp_stream s = co_await l.accept();
        std::vector<std::byte> buf(16);
        std::string out;
        auto t0 = std::chrono::steady_clock::now();
        try {
            co_await weir::timeout(20ms, c.read(buf));  // nothing was sent: times out
        } catch (const weir::timed_out&) {
            out += "timed out;";
        }
        if (std::chrono::steady_clock::now() - t0 < 2s) out += "promptly;";
        co_await s.write_all(bytes_of("hello"));  // the socket still works afterwards
        std::size_t n = co_await c.read(buf);
        out.append(reinterpret_cast<const char*>(buf.data()), n);
        co_return out;
    }());
    REQUIRE(result == "timed out;promptly;hello");
}

TEST_CASE("tcp_accept_cancelled_with_a_token_ends_promptly", "[net]") {
    weir::runtime rt{workers(2)};
    if (!have_io(rt)) return;
    bool cancelled = rt.block_on([]() -> weir::task<bool> {
        auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
        weir::cancellation_token tok;
        auto canceller = weir::spawn([](weir::cancellation_token t) -> weir::task<void> {
            co_await weir::sleep(10ms);
            t.cancel();
        }(tok));
        bool c = false;
        try {
            co_await weir::with_cancellation(tok, l.accept());  // nobody connects
        } catch (const weir::operation_cancelled&) {
            c = true;
        }
        co_await canceller;
        co_return c;
    }());
    REQUIRE(cancelled);
}

TEST_CASE("tcp_ipv6_loopback_round_trip", "[net]") {
    weir::runtime rt{workers(2)};
    if (!have_io(rt)) return;
    tcp_listener l;
    try {
        l = tcp_listener::bind(socket_address::parse("[::1]:0"));
    } catch (const std::system_error& e) {
        WARN("no IPv6 loopback here: " << e.what());
        return;
    }
    auto got = rt.block_on([](tcp_listener l) -> weir::task<std::string> {
        auto addr = l.local_address();
        auto server = weir::spawn(echo_server(std::move(l), 1));
        tcp_stream c = co_await tcp_stream::connect(addr);
        co_await c.write_all(bytes_of("v6"));
        std::vector<std::byte> buf(2);
        co_await c.read_exact(buf);
        std::string peer = c.peer_address().to_string();
        c.shutdown();
        co_await server;
        co_return std::string(reinterpret_cast<const char*>(buf.data()), 2) + " " +
            (peer.rfind("[::1]:", 0) == 0 ? "from ::1" : peer);
    }(std::move(l)));
    REQUIRE(got == "v6 from ::1");
}

TEST_CASE("tcp_peek_leaves_the_bytes_for_the_next_read", "[net]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    rt.block_on([]() -> weir::task<void> {
        auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
        tcp_stream c =
            co_await weir::timeout(std::chrono::seconds(5), tcp_stream::connect(l.local_address()));
        tcp_stream s = co_await weir::timeout(std::chrono::seconds(5), l.accept());
        co_await c.write_all(bytes_of("peekaboo"));
        c.shutdown();
        std::vector<std::byte> buf(4);
        std::size_t p = co_await weir::timeout(std::chrono::seconds(5), s.peek(buf));
        CHECK(std::string(reinterpret_cast<const char*>(buf.data()), p) ==
              std::string("peek").substr(0, p));
        std::vector<std::byte> all(8);
        co_await weir::timeout(std::chrono::seconds(5), s.read_exact(all));
        CHECK(std::string(reinterpret_cast<const char*>(all.data()), 8) == "peekaboo");
        std::size_t end = co_await weir::timeout(std::chrono::seconds(5), s.peek(buf));
        CHECK(end == 0);  // end of stream
    }());
}

TEST_CASE("tcp_dual_stack_listener_accepts_ipv4_connections", "[net]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    weir::net::listen_options o;
    o.only_v6 = false;
    tcp_listener l;
    try {
        l = tcp_listener::bind(socket_address::parse("[::]:0"), o);
    } catch (const std::system_error& e) {
        WARN("no IPv6 here: " << e.what());
        return;
    }
    CHECK_FALSE(l.only_v6());
    auto peer = rt.block_on([](tcp_listener& l) -> weir::task<std::string> {
        auto v4 = socket_address::parse("127.0.0.1:0").with_port(l.local_address().port());
        tcp_stream c = co_await weir::timeout(std::chrono::seconds(5), tcp_stream::connect(v4));
        tcp_stream s = co_await weir::timeout(std::chrono::seconds(5), l.accept());
        co_return s.peer_address().to_string();
    }(l));
    CHECK(peer.rfind("[::ffff:127.0.0.1]:", 0) == 0);  // an IPv4-mapped IPv6 address
}

TEST_CASE("tcp_ipv6_listener_takes_only_ipv6_by_default", "[net]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    tcp_listener l6;
    try {
        l6 = tcp_listener::bind(socket_address::parse("[::]:0"));
    } catch (const std::system_error& e) {
        WARN("no IPv6 here: " << e.what());
        return;
    }
    CHECK(l6.only_v6());
    // The same port is still free for IPv4: a second listener binds it.
    auto v4 = socket_address::parse("127.0.0.1:0").with_port(l6.local_address().port());
    CHECK_NOTHROW(tcp_listener::bind(v4));
}

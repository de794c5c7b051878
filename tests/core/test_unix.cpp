// Unix-domain stream sockets (unix.hpp): a round trip through a socket file, the errors a user
// meets (a path in use, nobody listening, a path too long), Linux's abstract names, and the
// stream calls shared with tcp_stream under their own names. The I/O suite runs this under both
// Linux drivers and under Wine (skipped with a warning where the OS has no AF_UNIX).
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"
#include "temp_path.hpp"

using namespace std::chrono_literals;
using weir::net::unix_listener;
using weir::net::unix_stream;
using weir_test::bytes_of;
using weir_test::have_io;
using weir_test::workers;

namespace {
/// Differs between runs and processes (several test processes run at once under CTest).
long long unique_stamp() {
    static const long long t = std::chrono::system_clock::now().time_since_epoch().count();
    return t;
}
/// False (with a warning) where the OS has no Unix-domain sockets.
bool have_unix_sockets() {
    weir_test::temp_path p(".sock");
    try {
        (void)unix_listener::bind(p.path);
        return true;
    } catch (const std::system_error& e) {
        WARN("no Unix-domain sockets here: " << e.what());
        return false;
    }
}
std::string unix_text(const std::vector<std::byte>& b, std::size_t n) {
    return std::string(reinterpret_cast<const char*>(b.data()), n);
}
}  // namespace

TEST_CASE("unix_stream_round_trip_through_a_socket_file", "[net]") {
    weir::runtime rt{workers(2)};
    if (!have_io(rt) || !have_unix_sockets()) return;
    weir_test::temp_path p(".sock");
    auto l = unix_listener::bind(p.path);
    CHECK(l.local_path() == p.path);
    rt.block_on([](unix_listener& l, std::string path) -> weir::task<void> {
        auto server = weir::spawn([](unix_listener& l) -> weir::task<std::string> {
            unix_stream s = co_await weir::timeout(5s, l.accept());
            std::vector<std::byte> buf(64);
            std::string got;
            for (;;) {
                std::size_t n = co_await s.read(buf);
                if (n == 0) break;
                got += unix_text(buf, n);
            }
            co_await s.write_all(bytes_of("got " + got));
            co_return got;
        }(l));
        unix_stream c = co_await weir::timeout(5s, unix_stream::connect(path));
        CHECK(c.peer_path() == path);
        CHECK(c.local_path().empty());  // a connecting socket has no name
        co_await c.write_all(bytes_of("hello over a unix socket"));
        c.shutdown();
        std::vector<std::byte> buf(64);
        std::size_t peeked = co_await weir::timeout(5s, c.peek(buf));
        CHECK(peeked > 0);
        std::vector<std::byte> reply(28);
        co_await weir::timeout(5s, c.read_exact(reply));
        CHECK(unix_text(reply, 28) == "got hello over a unix socket");
        std::string seen = co_await server;
        CHECK(seen == "hello over a unix socket");
    }(l, p.path));
}

TEST_CASE("unix_listener_on_a_path_in_use_fails_with_address_in_use", "[net]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt) || !have_unix_sockets()) return;
    weir_test::temp_path p(".sock");
    auto l = unix_listener::bind(p.path);
    try {
        (void)unix_listener::bind(p.path);
        FAIL("bound a path in use");
    } catch (const std::system_error& e) {
        CHECK(e.code() == std::errc::address_in_use);
        CHECK(std::string(e.what()).find(p.path) != std::string::npos);
    }
}

TEST_CASE("unix_connect_with_nobody_listening_fails_clearly", "[net]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt) || !have_unix_sockets()) return;
    weir_test::temp_path p(".sock");
    std::string msg = rt.block_on([](std::string path) -> weir::task<std::string> {
        try {
            (void)co_await weir::timeout(5s, unix_stream::connect(path));
        } catch (const std::system_error& e) {
            co_return e.what();
        }
        co_return "connected";
    }(p.path));
    CHECK(msg.find("weir::net::unix_stream::connect " + p.path) != std::string::npos);
}

TEST_CASE("unix_socket_path_that_is_empty_or_too_long_is_invalid_argument", "[net]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt) || !have_unix_sockets()) return;
    CHECK_THROWS_AS(unix_listener::bind(""), std::invalid_argument);
    CHECK_THROWS_AS(unix_listener::bind(std::string(200, 'x')), std::invalid_argument);
    CHECK_THROWS_AS(unix_listener::bind("/tmp/x", -1), std::invalid_argument);
    bool refused = rt.block_on([]() -> weir::task<bool> {
        try {
            (void)co_await unix_stream::connect(std::string(200, 'x'));
        } catch (const std::invalid_argument&) {
            co_return true;
        }
        co_return false;
    }());
    CHECK(refused);
}

TEST_CASE("unix_read_exact_at_an_early_end_names_the_unix_stream", "[net]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt) || !have_unix_sockets()) return;
    weir_test::temp_path p(".sock");
    auto l = unix_listener::bind(p.path);
    std::string what =
        rt.block_on([](unix_listener& l, std::string path) -> weir::task<std::string> {
            unix_stream c = co_await weir::timeout(5s, unix_stream::connect(path));
            {
                unix_stream s = co_await weir::timeout(5s, l.accept());
                co_await s.write_all(bytes_of("ab"));
            }  // closed
            std::vector<std::byte> buf(5);
            try {
                co_await weir::timeout(5s, c.read_exact(buf));
            } catch (const weir::net::end_of_stream& e) {
                co_return e.what();
            }
            co_return "";
        }(l, p.path));
    CHECK(what.find("weir::net::unix_stream::read_exact") != std::string::npos);
    CHECK(what.find("after 2 of 5 bytes") != std::string::npos);
}

#ifdef __linux__
TEST_CASE("unix_abstract_names_need_no_file", "[net]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    std::string name =
        std::string(1, '\0') + "weir-test-abstract-" + std::to_string(unique_stamp());
    auto l = unix_listener::bind(name);
    CHECK(l.local_path() == name);
    CHECK_FALSE(std::filesystem::exists(name.substr(1)));
    rt.block_on([](unix_listener& l, std::string name) -> weir::task<void> {
        unix_stream c = co_await weir::timeout(5s, unix_stream::connect(name));
        unix_stream s = co_await weir::timeout(5s, l.accept());
        co_await c.write_all(bytes_of("x"));
        std::byte b[1];
        std::size_t n = co_await weir::timeout(5s, s.read(b));
        CHECK(n == 1);
        CHECK(c.peer_path() == name);
    }(l, name));
}
#endif

// One test per bug found in review of the I/O drivers, run under every driver this build has
// (the Asio driver is where they were found).
#if !defined(__EMSCRIPTEN__)

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using namespace std::chrono_literals;
using weir::net::socket_address;
using weir::net::tcp_listener;
using weir::net::tcp_stream;
using weir_test::bytes_of;
using weir_test::scoped_env;

namespace {

/// The drivers this build can start here, each as runtime options with `workers` workers.
std::vector<weir::runtime::options> each_driver(std::size_t workers) {
    std::vector<weir::runtime::options> out;
    for (const char* name : {"uring", "asio"}) {
        auto o = weir_test::workers(workers);
        o.io_backend = name;
        try {
            weir::runtime probe{o};
            out.push_back(o);
        } catch (const std::system_error&) {  // not in this build, or not here
        }
    }
    return out;
}

weir::task<void> spin(std::chrono::milliseconds d) {
    auto end = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < end) {
    }
    co_return;
}

weir::task<int> cancellable_read(tcp_stream* s, weir::cancellation_token tok) {
    std::byte buf[16];
    try {
        co_await weir::with_cancellation(tok, s->read(buf));
        co_return 0;
    } catch (const weir::operation_cancelled&) {
        co_return 1;
    } catch (const std::system_error&) {
        co_return 2;  // the socket was closed under the read
    }
}

}  // namespace

TEST_CASE("io_socket_closed_while_its_read_cancellation_is_queued_is_safe", "[net]") {
    scoped_env clear("WEIR_IO_BACKEND", nullptr);
    for (auto& o : each_driver(1)) {
        INFO("driver " << o.io_backend);
        weir::runtime rt{o};
        int r = rt.block_on([]() -> weir::task<int> {
            auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
            tcp_stream c = co_await tcp_stream::connect(l.local_address());
            auto s = std::make_unique<tcp_stream>(co_await l.accept());
            weir::cancellation_token tok;
            auto reader = weir::spawn(cancellable_read(s.get(), tok));
            co_await weir::sleep(20ms);            // the read is pending
            auto busy = weir::spawn(spin(100ms));  // the only worker cannot reap meanwhile
            co_await weir::sleep(20ms);
            tok.cancel();       // the cancellation is queued...
            *s = tcp_stream{};  // ...and the socket closed before it runs
            int got = co_await std::move(reader);
            co_await std::move(busy);
            co_return got;
        }());
        REQUIRE(r >= 1);
    }
}

// Not on Windows: a socket stays tied to the completion port of the first runtime that used it
// (docs/io.md), so it cannot move to another runtime there.
#if !defined(_WIN32)
TEST_CASE("io_socket_used_by_two_runtimes_is_forgotten_by_both_when_closed", "[net]") {
    scoped_env clear("WEIR_IO_BACKEND", nullptr);
    for (auto& o : each_driver(1)) {
        INFO("driver " << o.io_backend);
        weir::runtime r1{o}, r2{o};
        auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
        auto addr = l.local_address();
        {
            tcp_stream c, s;
            r1.block_on([&]() -> weir::task<void> {
                c = co_await tcp_stream::connect(addr);
                s = co_await l.accept();  // known to r1's driver
            }());
            r2.block_on([&]() -> weir::task<void> {
                co_await s.write_all(bytes_of("x"));  // and to r2's
            }());
        }  // closed: both must forget it, or its number, reused next, would be confused
        std::string err;
        r2.block_on([&]() -> weir::task<void> {
            try {
                tcp_stream c2 = co_await weir::timeout(2s, tcp_stream::connect(addr));
                tcp_stream s2 = co_await weir::timeout(2s, l.accept());
                co_await s2.write_all(bytes_of("y"));
                co_await c2.write_all(bytes_of("z"));
                std::byte b[1];
                co_await weir::timeout(2s, s2.read(b));
            } catch (const std::exception& e) {
                err = e.what();
            }
        }());
        REQUIRE(err.empty());
    }
}
#endif  // !_WIN32

TEST_CASE("io_runtime_destroyed_with_reads_and_accepts_pending_leaks_nothing", "[net]") {
    scoped_env clear("WEIR_IO_BACKEND", nullptr);
    for (auto& o : each_driver(2)) {
        INFO("driver " << o.io_backend);
        auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
        tcp_stream c, s;
        {
            weir::runtime rt{o};
            rt.block_on([&]() -> weir::task<void> {
                c = co_await tcp_stream::connect(l.local_address());
                s = co_await l.accept();
                weir::spawn([](tcp_stream* s) -> weir::task<void> {
                    std::byte b[8];
                    co_await s->read(b);
                }(&s));
                weir::spawn([](tcp_listener* l) -> weir::task<void> { co_await l->accept(); }(&l));
                co_await weir::sleep(30ms);
            }());
        }  // both operations pending: cancelled and waited for, their frames then destroyed
#if !defined(_WIN32)  // a socket cannot move to another runtime on Windows (see above)
        // The sockets still work in another runtime; data sent now lands nowhere it should not.
        weir::runtime rt2{o};
        std::string got = rt2.block_on([&]() -> weir::task<std::string> {
            co_await c.write_all(bytes_of("late"));
            std::byte b[8];
            std::size_t n = co_await s.read(b);
            co_return std::string(reinterpret_cast<const char*>(b), n);
        }());
        REQUIRE(got == "late");
#endif
    }
}

#endif

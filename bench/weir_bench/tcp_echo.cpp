// Benchmark 10, tcp_echo_loopback: 50 connections x 2000 round trips x 64 bytes over 127.0.0.1.
// Untimed setup: a listener on an ephemeral port and an accept loop in the same runtime; every
// accepted socket gets TCP_NODELAY and an echo task (read exactly 64, write 64, until the peer
// closes). An iteration spawns the 50 clients from the driver and joins them; connect and close
// are inside the timed region. Derived: ns per round trip (median / 100 000).
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>
#include <weir/weir.hpp>

#include "benchmarks.hpp"

namespace weir_bench {
namespace {

using weir::net::socket_address;
using weir::net::tcp_listener;
using weir::net::tcp_stream;

weir::task<void> echo_session(tcp_stream s) {
    std::array<std::byte, tcp_msg> buf;
    for (;;) {
        try {
            co_await s.read_exact(buf);
        } catch (const weir::net::end_of_stream&) {
            co_return;  // the client closed
        }
        co_await s.write_all(buf);
    }
}
weir::task<void> accept_loop(tcp_listener l) {
    for (;;) {
        tcp_stream s = co_await l.accept();
        s.set_nodelay(true);
        weir::spawn(echo_session(std::move(s)));
    }
}

/// Returns the number of bytes of the last echo that differ from the message (0 when right).
weir::task<std::size_t> echo_client(socket_address addr, std::size_t id) {
    tcp_stream s = co_await tcp_stream::connect(addr);
    s.set_nodelay(true);
    std::array<std::byte, tcp_msg> msg, buf;
    for (std::size_t k = 0; k < tcp_msg; ++k) msg[k] = static_cast<std::byte>((id + k) % 256);
    for (std::size_t r = 0; r < tcp_rounds; ++r) {
        co_await s.write_all(msg);
        co_await s.read_exact(buf);
    }
    std::size_t wrong = 0;
    for (std::size_t k = 0; k < tcp_msg; ++k) wrong += buf[k] != msg[k];
    co_return wrong;
}
weir::task<std::size_t> join_clients(std::vector<weir::join_handle<std::size_t>> hs) {
    std::size_t wrong = 0;
    for (std::size_t w : co_await weir::join_all(std::move(hs))) wrong += w;
    co_return wrong;
}

}  // namespace

void tcp_echo_loopback(const harness& h, std::size_t workers) {
    weir::runtime rt{weir::runtime::options{.worker_threads = workers}};
    traced tracing(h, rt);
    auto listener = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
    socket_address addr = listener.local_address();
    weir::join_handle<void> server = rt.spawn(accept_loop(std::move(listener)));
    auto [med, extra] = h.run("tcp_echo_loopback", 1, 3, [&]() -> std::optional<double> {
        std::vector<weir::join_handle<std::size_t>> hs;
        for (std::size_t i = 0; i < tcp_conns; ++i) hs.push_back(rt.spawn(echo_client(addr, i)));
        std::size_t wrong = rt.block_on(join_clients(std::move(hs)));
        h.check("tcp_echo_loopback", "the wrong bytes in the last echoes", wrong, std::size_t(0));
        return std::nullopt;
    });
    (void)extra;
    h.derived("tcp_echo_loopback.per_rt", med / static_cast<double>(tcp_conns * tcp_rounds));
    server.abort();
}

}  // namespace weir_bench

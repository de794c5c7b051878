// weir-echo: a TCP echo server and its clients in one program, over 127.0.0.1. The server
// accepts every client and echoes each one in its own spawned task; each client sends
// `rounds` messages of varying length, reads each one back with read_exact and checks every
// byte. Prints one line with the totals (and the I/O backend on stderr).
//
//     weir-echo [clients] [rounds]        (defaults: 100 clients, 1000 round trips each)
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#include <weir/weir.hpp>

using weir::net::socket_address;
using weir::net::tcp_listener;
using weir::net::tcp_stream;

namespace {

weir::task<void> serve_one(tcp_stream s) {
    std::vector<std::byte> buf(16 * 1024);
    for (;;) {
        std::size_t n = co_await s.read(buf);
        if (n == 0) co_return;  // the client shut down its side
        co_await s.write_all(std::span<const std::byte>(buf.data(), n));
    }
}

weir::task<void> serve(tcp_listener l, int clients) {
    std::vector<weir::join_handle<void>> conns;
    for (int i = 0; i < clients; ++i) conns.push_back(weir::spawn(serve_one(co_await l.accept())));
    co_await weir::join_all(std::move(conns));
}

/// Message r of client c: a length between 1 and 512 and bytes that depend on (c, r, position).
std::vector<std::byte> message(int c, int r) {
    std::size_t len = 1 + static_cast<std::size_t>((c * 131 + r * 31) % 512);
    std::vector<std::byte> m(len);
    for (std::size_t i = 0; i < len; ++i)
        m[i] = static_cast<std::byte>((c * 7 + r * 13 + i) & 0xff);
    return m;
}

/// Sends and checks every round trip; gives the number of bytes verified (or -1 on a mismatch).
weir::task<long> client(socket_address addr, int c, int rounds) {
    tcp_stream s = co_await tcp_stream::connect(addr);
    s.set_nodelay(true);
    long checked = 0;
    std::vector<std::byte> back;
    for (int r = 0; r < rounds; ++r) {
        std::vector<std::byte> m = message(c, r);
        co_await s.write_all(m);
        back.resize(m.size());
        co_await s.read_exact(back);
        if (back != m) co_return -1;
        checked += static_cast<long>(m.size());
    }
    s.shutdown();
    co_return checked;
}

weir::task<int> run(int clients, int rounds) {
    auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
    socket_address addr = l.local_address();
    auto server = weir::spawn(serve(std::move(l), clients));
    std::vector<weir::join_handle<long>> cs;
    for (int c = 0; c < clients; ++c) cs.push_back(weir::spawn(client(addr, c, rounds)));
    long bytes = 0, bad = 0;
    for (long b : co_await weir::join_all(std::move(cs))) {
        if (b < 0)
            ++bad;
        else
            bytes += b;
    }
    co_await server;
    if (bad) {
        std::printf("echo: %ld clients saw a wrong byte\n", bad);
        co_return 1;
    }
    std::printf("echo: %d clients x %d round trips, %ld bytes sent and checked\n", clients, rounds,
                bytes);
    co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
    int clients = argc > 1 ? std::atoi(argv[1]) : 100;
    int rounds = argc > 2 ? std::atoi(argv[2]) : 1000;
    if (clients <= 0 || rounds <= 0) {
        std::fprintf(stderr, "usage: weir-echo [clients > 0] [rounds > 0]\n");
        return 2;
    }
    weir::runtime rt;
    std::fprintf(stderr, "weir-echo: I/O backend %s\n", rt.io_backend());
    try {
        return rt.block_on(run(clients, rounds));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "weir-echo: %s\n", e.what());
        return 1;
    } catch (const weir::operation_cancelled& e) {  // not a std::exception (weir/errors.hpp)
        std::fprintf(stderr, "weir-echo: %s\n", e.what());
        return 1;
    }
}

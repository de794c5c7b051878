// Owned halves of a tcp_stream (tcp_split.hpp): one task reads while another writes, on two
// workers; dropping the write half ends the peer's reads; reunite gives the stream back. The I/O
// suite runs this under both Linux drivers and under Wine.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
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
// Position-coded bytes: byte i of the stream is (i * 7 + i / 251) mod 256.
std::byte split_byte_at(std::uint64_t i) {
    return static_cast<std::byte>((i * 7 + i / 251) & 0xff);
}
}  // namespace

TEST_CASE("tcp_split_halves_read_and_write_at_once_from_two_tasks", "[net]") {
    weir::runtime rt{workers(2)};
    if (!have_io(rt)) return;
    constexpr std::uint64_t total = 4 << 20;  // 4 MiB each way: both directions fill up
    auto ok = rt.block_on([]() -> weir::task<int> {
        auto p = co_await weir_test::connect_tcp_pair();
        // The server echoes with its own halves: a writer task and a reader task at once.
        auto [srd, swr] = std::move(p.server).into_split();
        auto [crd, cwr] = std::move(p.client).into_split();
        auto echo_chan = weir::mpsc::channel<std::vector<std::byte>>(64);
        auto server_reader =
            weir::spawn([](weir::net::tcp_read_half rd,
                           weir::mpsc::sender<std::vector<std::byte>> tx) -> weir::task<void> {
                std::vector<std::byte> buf(16 * 1024);
                for (;;) {
                    std::size_t n = co_await rd.read(buf);
                    if (n == 0) co_return;
                    co_await tx.send(std::vector<std::byte>(buf.begin(), buf.begin() + n));
                }
            }(std::move(srd), std::move(echo_chan.first)));
        auto server_writer =
            weir::spawn([](weir::net::tcp_write_half wr,
                           weir::mpsc::receiver<std::vector<std::byte>> rx) -> weir::task<void> {
                while (auto chunk = co_await rx.recv()) co_await wr.write_all(*chunk);
            }(std::move(swr), std::move(echo_chan.second)));  // dropped at the end: EOF
        auto client_writer = weir::spawn([](weir::net::tcp_write_half wr) -> weir::task<void> {
            std::vector<std::byte> chunk(10007);
            for (std::uint64_t sent = 0; sent < total;) {
                std::size_t n =
                    static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), total - sent));
                for (std::size_t i = 0; i < n; ++i) chunk[i] = split_byte_at(sent + i);
                co_await wr.write_all(std::span<const std::byte>(chunk.data(), n));
                sent += n;
            }
        }(std::move(cwr)));  // dropped when done: the server's reader sees end of stream
        std::vector<std::byte> buf(8192);
        std::uint64_t got = 0, bad = 0;
        for (;;) {
            std::size_t n = co_await weir::timeout(20s, crd.read(buf));
            if (n == 0) break;
            for (std::size_t i = 0; i < n; ++i) bad += buf[i] != split_byte_at(got + i);
            got += n;
        }
        co_await client_writer;
        co_await server_reader;
        co_await server_writer;
        co_return got == total&& bad == 0 ? 1 : 0;
    }());
    CHECK(ok == 1);
}

TEST_CASE("tcp_dropping_the_write_half_ends_the_peers_reads_and_the_read_half_lives_on", "[net]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    rt.block_on([]() -> weir::task<void> {
        auto p = co_await weir_test::connect_tcp_pair();
        auto [rd, wr] = std::move(p.client).into_split();
        CHECK(wr.peer_address() == p.server.local_address());
        { auto gone = std::move(wr); }  // dropped: shutdown of the sending side
        std::byte b[4];
        std::size_t end = co_await weir::timeout(5s, p.server.read(b));
        CHECK(end == 0);
        co_await p.server.write_all(bytes_of("late"));
        co_await weir::timeout(5s, rd.read_exact(b));
        CHECK(std::string(reinterpret_cast<const char*>(b), 4) == "late");
    }());
}

TEST_CASE("tcp_reunite_gives_the_stream_back_and_refuses_halves_of_two_streams", "[net]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    rt.block_on([]() -> weir::task<void> {
        auto p = co_await weir_test::connect_tcp_pair();
        auto q = co_await weir_test::connect_tcp_pair();
        auto [rd, wr] = std::move(p.client).into_split();
        auto [rd2, wr2] = std::move(q.client).into_split();
        CHECK_THROWS_AS(weir::net::reunite(std::move(rd), std::move(wr2)), std::invalid_argument);
        tcp_stream whole = weir::net::reunite(std::move(rd), std::move(wr));  // still intact
        co_await whole.write_all(bytes_of("again"));  // not shut down by the reunion
        std::byte b[5];
        co_await weir::timeout(5s, p.server.read_exact(b));
        CHECK(std::string(reinterpret_cast<const char*>(b), 5) == "again");
        weir::net::tcp_read_half empty;
        CHECK_THROWS_AS(empty.peer_address(), std::logic_error);
        tcp_stream none;
        CHECK_THROWS_AS(std::move(none).into_split(), std::logic_error);
    }());
}

// Vectored I/O (scatter/gather): readv / writev of tcp_stream, unix_stream and the tcp_split
// halves, readv_at / writev_at of fs::file. Buffers are filled and sent in order; a call may
// move fewer bytes than its buffers hold (the helpers below call again, as a caller must); no
// buffers, or only empty ones, give 0 at once; more than 1024 buffers (IOV_MAX) is
// std::invalid_argument; a cancelled readv loses no byte (they go back to the stream, as a
// cancelled read's do), and a writev that times out reports exactly what it sent. Tagged [net]
// and [fs]: the I/O suite runs them under io_uring and Asio natively (io_suite.asio), and on IOCP
// under Wine.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"
#include "vectored_io_helpers.hpp"

TEST_CASE("tcp_writev_sends_every_buffer_in_order", "[net]") {
    weir::runtime rt{workers(2)};
    if (!have_io(rt)) return;
    constexpr std::size_t total = 1 << 20;  // more than one send takes: several calls
    auto r = rt.block_on([]() -> weir::task<std::pair<std::size_t, std::size_t>> {
        auto p = co_await weir_test::connect_tcp_pair();
        auto reader = weir::spawn([](tcp_stream s) -> weir::task<byte_vec> {
            co_return co_await vec_read_to_end(s);
        }(std::move(p.server)));
        byte_vec data = vec_pattern(0, total);
        co_await vec_send_all(p.client, vec_cut(std::span<const std::byte>(data), vec_sizes_a));
        p.client.shutdown();
        byte_vec got = co_await reader;
        co_return std::pair{got.size(), vec_first_bad(got.data(), got.size(), 0)};
    }());
    CHECK(r.first == total);
    CHECK(r.second == total);  // no byte out of place
}

TEST_CASE("tcp_readv_fills_buffers_in_order", "[net]") {
    weir::runtime rt{workers(2)};
    if (!have_io(rt)) return;
    auto got = rt.block_on([]() -> weir::task<std::string> {
        auto p = co_await weir_test::connect_tcp_pair();
        co_await p.server.write_all(bytes_of("abcdefghijkl"));
        // Wait until all 12 bytes have arrived, so that one readv can take them all.
        byte_vec look(12);
        std::size_t seen = 0;
        for (int i = 0; i < 100000 && seen < 12; ++i) seen = co_await p.client.peek(look);
        byte_vec a(3), b(0), c(4), d(8, std::byte{'.'});
        in_bufs bufs{a, b, c, d};
        std::size_t n = co_await p.client.readv(bufs);
        std::string out =
            std::to_string(n) + ":" + vec_text(a) + "|" + vec_text(c) + "|" + vec_text(d) + ";";
        // The rest of the stream comes through readv calls too, up to its end (0).
        co_await p.server.write_all(bytes_of("mnopq"));
        p.server.shutdown();
        byte_vec e(2), f(10);
        // A named list: g++ 12 rejects a braced temporary list in a co_await's arguments.
        in_bufs rest{e, std::span(f).first(3)};
        co_await vec_recv_all(p.client, rest);
        out += vec_text(e) + "|" + vec_text(std::span(f).first(3)) + ";";
        in_bufs more{e, f};
        std::size_t end = co_await p.client.readv(more);
        out += std::to_string(end);
        co_return out;
    }());
    CHECK(got == "12:abc|defg|hijkl...;mn|opq;0");
}

TEST_CASE("unix_stream_readv_and_writev_scatter_and_gather", "[net]") {
    weir::runtime rt{workers(2)};
    if (!have_io(rt)) return;
    weir_test::temp_path sock("-unix");
    weir::net::unix_listener l;
    try {
        l = weir::net::unix_listener::bind(sock.path);
    } catch (const std::system_error& e) {
        WARN("no Unix-domain sockets here: " << e.what());
        return;
    }
    constexpr std::size_t total = 200'000;
    auto r = rt.block_on([](weir::net::unix_listener& l,
                            std::string path) -> weir::task<std::pair<std::size_t, std::size_t>> {
        auto server = weir::spawn([](weir::net::unix_listener& l) -> weir::task<byte_vec> {
            weir::net::unix_stream s = co_await weir::timeout(5s, l.accept());
            // Received through readv into uneven buffers, then sent back through writev.
            byte_vec in(total);
            co_await vec_recv_all(s, vec_cut(std::span<std::byte>(in), vec_sizes_b));
            co_await vec_send_all(s, vec_cut(std::span<const std::byte>(in), vec_sizes_a));
            co_return in;
        }(l));
        weir::net::unix_stream c =
            co_await weir::timeout(5s, weir::net::unix_stream::connect(path));
        byte_vec data = vec_pattern(7, total);
        co_await vec_send_all(c, vec_cut(std::span<const std::byte>(data), vec_sizes_a));
        byte_vec back(total);
        co_await vec_recv_all(c, vec_cut(std::span<std::byte>(back), vec_sizes_b));
        byte_vec seen = co_await server;
        co_return std::pair{vec_first_bad(seen.data(), seen.size(), 7),
                            vec_first_bad(back.data(), back.size(), 7)};
    }(l, sock.path));
    CHECK(r.first == total);
    CHECK(r.second == total);
}

TEST_CASE("tcp_split_halves_readv_and_writev", "[net]") {
    weir::runtime rt{workers(2)};
    if (!have_io(rt)) return;
    constexpr std::size_t total = 300'000;
    auto bad = rt.block_on([]() -> weir::task<std::size_t> {
        auto p = co_await weir_test::connect_tcp_pair();
        auto [rd, wr] = std::move(p.client).into_split();
        // The write half gathers while the read half scatters, in two tasks.
        auto writer = weir::spawn([](weir::net::tcp_write_half wr) -> weir::task<void> {
            byte_vec data = vec_pattern(0, total);
            co_await vec_send_all(wr, vec_cut(std::span<const std::byte>(data), vec_sizes_b));
        }(std::move(wr)));  // dropping the half ends the sending side
        auto echo = weir::spawn([](tcp_stream s) -> weir::task<void> {
            byte_vec buf(8192);
            for (;;) {
                std::size_t n = co_await s.read(buf);
                if (n == 0) co_return;
                co_await s.write_all(std::span(buf).first(n));
            }
        }(std::move(p.server)));
        byte_vec back(total);
        co_await vec_recv_all(rd, vec_cut(std::span<std::byte>(back), vec_sizes_a));
        co_await writer;
        co_await echo;
        co_return vec_first_bad(back.data(), back.size(), 0);
    }());
    CHECK(bad == total);
}

TEST_CASE("file_writev_then_readv_roundtrip", "[fs]") {
    weir::runtime rt{workers(2)};
    if (!have_io(rt)) return;
    weir_test::temp_path tmp("-file");
    constexpr std::size_t total = 300'000;
    constexpr std::uint64_t at = 100;  // bytes before it stay zero
    auto out = rt.block_on([](std::string path) -> weir::task<std::string> {
        file f = co_await file::open(
            path, open_mode::read | open_mode::write | open_mode::create | open_mode::truncate);
        byte_vec data = vec_pattern(0, total);
        co_await vec_write_all_at(f, vec_cut(std::span<const std::byte>(data), vec_sizes_a), at);
        std::string r;
        std::uint64_t size = co_await f.size();
        r += "size " + std::to_string(size) + ";";
        // Read back through other cuts, from the zeros before the data on.
        byte_vec head(at), back(total);
        in_bufs bufs = vec_cut(std::span<std::byte>(back), vec_sizes_b);
        bufs.insert(bufs.begin(), std::span<std::byte>(head));
        std::size_t n = co_await vec_read_all_at(f, bufs, 0);
        std::size_t zeros = 0;
        for (std::byte b : head) zeros += b == std::byte{0} ? 1 : 0;
        r += "read " + std::to_string(n) + ", zeros " + std::to_string(zeros) + ", good " +
             std::to_string(vec_first_bad(back.data(), back.size(), 0)) + ";";
        // Near the end one call fills the first buffer and a part of the second.
        byte_vec x(3), y(10);
        in_bufs tail{x, y};
        std::size_t last = co_await f.readv_at(tail, at + total - 5);
        r += "tail " + std::to_string(last) + " " +
             std::to_string(vec_first_bad(x.data(), 3, total - 5)) + " " +
             std::to_string(vec_first_bad(y.data(), 2, total - 2)) + ";";
        std::size_t past = co_await f.readv_at(tail, at + total);
        r += "past " + std::to_string(past);
        co_await f.close();
        co_return r;
    }(tmp.path));
    CHECK(out == "size 300100;read 300100, zeros 100, good 300000;tail 5 3 2;past 0");
}

TEST_CASE("readv_with_too_many_buffers_is_invalid_argument", "[net][fs]") {
    weir::runtime rt{workers(2)};
    if (!have_io(rt)) return;
    weir_test::temp_path tmp("-many");
    auto out = rt.block_on([](std::string path) -> weir::task<std::string> {
        auto p = co_await weir_test::connect_tcp_pair();
        file f = co_await file::open(
            path, open_mode::read | open_mode::write | open_mode::create | open_mode::truncate);
        byte_vec space(1025);
        in_bufs many_in;
        out_bufs many_out;
        for (std::size_t i = 0; i < 1025; ++i) {
            many_in.push_back(std::span(space).subspan(i, 1));
            many_out.push_back(std::span<const std::byte>(space).subspan(i, 1));
        }
        std::string r;
        auto refused = [&r](const std::invalid_argument& e) {
            std::string what = e.what();
            r += what.substr(0, what.find(": ")) + ";";
            if (what.find("1025 buffers") == std::string::npos) r += "(no count in: " + what + ")";
        };
        try {
            co_await p.client.readv(many_in);
        } catch (const std::invalid_argument& e) {
            refused(e);
        }
        try {
            co_await p.client.writev(many_out);
        } catch (const std::invalid_argument& e) {
            refused(e);
        }
        try {
            co_await f.readv_at(many_in, 0);
        } catch (const std::invalid_argument& e) {
            refused(e);
        }
        try {
            co_await f.writev_at(many_out, 0);
        } catch (const std::invalid_argument& e) {
            refused(e);
        }
        // 1024, IOV_MAX, is accepted: one byte per buffer, in order, both ways.
        many_in.pop_back();
        many_out.pop_back();
        byte_vec data = vec_pattern(0, 1024);
        for (std::size_t i = 0; i < 1024; ++i) space[i] = data[i];
        co_await vec_send_all(p.client, many_out);
        byte_vec got(1024);
        co_await p.server.read_exact(got);
        r += "sent " + std::to_string(vec_first_bad(got.data(), 1024, 0)) + ";";
        co_await p.server.write_all(got);
        for (auto& b : space) b = std::byte{0};
        co_await vec_recv_all(p.client, many_in);
        r += "received " + std::to_string(vec_first_bad(space.data(), 1024, 0)) + ";";
        co_await vec_write_all_at(f, many_out, 0);
        for (auto& b : space) b = std::byte{0};
        std::size_t n = co_await vec_read_all_at(f, many_in, 0);
        r += "file " + std::to_string(n) + " " +
             std::to_string(vec_first_bad(space.data(), 1024, 0));
        co_await f.close();
        co_return r;
    }(tmp.path));
    CHECK(out ==
          "weir::net::tcp_stream::readv;weir::net::tcp_stream::writev;weir::fs::file::readv_at;"
          "weir::fs::file::writev_at;sent 1024;received 1024;file 1024 1024");
}

TEST_CASE("readv_with_no_buffers_gives_zero", "[net][fs]") {
    weir::runtime rt{workers(2)};
    if (!have_io(rt)) return;
    weir_test::temp_path tmp("-none");
    auto out = rt.block_on([](std::string path) -> weir::task<std::string> {
        auto p = co_await weir_test::connect_tcp_pair();
        file f = co_await file::open(
            path, open_mode::read | open_mode::write | open_mode::create | open_mode::truncate);
        byte_vec a, b;
        in_bufs none_in, empty_in{a, b, std::span<std::byte>()};
        out_bufs none_out, empty_out{a, b};
        std::string r;
        // Nothing was sent: a readv that reached the socket would wait. The timeouts bound a
        // hang, far above what the calls take.
        std::size_t n = co_await weir::timeout(10s, p.client.readv(none_in));
        r += std::to_string(n);
        n = co_await weir::timeout(10s, p.client.readv(empty_in));
        r += std::to_string(n);
        n = co_await weir::timeout(10s, p.client.writev(none_out));
        r += std::to_string(n);
        n = co_await weir::timeout(10s, p.client.writev(empty_out));
        r += std::to_string(n);
        n = co_await weir::timeout(10s, f.readv_at(none_in, 0));
        r += std::to_string(n);
        n = co_await weir::timeout(10s, f.writev_at(empty_out, 0));
        r += std::to_string(n);
        std::uint64_t size = co_await f.size();
        r += ";size " + std::to_string(size) + ";";
        // The empty writevs sent nothing: the peer sees only what comes next.
        co_await p.client.write_all(bytes_of("x"));
        p.client.shutdown();
        byte_vec got = co_await vec_read_to_end(p.server);
        r += vec_text(got) + ";";
        // A closed stream is still a usage error, buffers or not.
        tcp_stream gone = std::move(p.client);
        try {
            co_await p.client.readv(none_in);
        } catch (const std::logic_error&) {
            r += "closed";
        }
        co_await f.close();
        co_return r;
    }(tmp.path));
    CHECK(out == "000000;size 0;x;closed");
}

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

using namespace std::chrono_literals;
using weir::fs::file;
using weir::fs::open_mode;
using weir::net::socket_address;
using weir::net::tcp_listener;
using weir::net::tcp_stream;
using weir_test::bytes_of;
using weir_test::have_io;
using weir_test::workers;

namespace {

using byte_vec = std::vector<std::byte>;
using in_bufs = std::vector<std::span<std::byte>>;
using out_bufs = std::vector<std::span<const std::byte>>;

/// Byte i of a test stream or file: no short period, so a lost, repeated or misplaced piece
/// shows.
std::byte vec_byte(std::uint64_t i) {
    return static_cast<std::byte>(((i * 131) ^ (i >> 9) ^ (i >> 17)) & 0xff);
}
byte_vec vec_pattern(std::uint64_t from, std::size_t n) {
    byte_vec v(n);
    for (std::size_t k = 0; k < n; ++k) v[k] = vec_byte(from + k);
    return v;
}
/// The first position in [0, n) where b differs from the pattern starting at from; n if none.
std::size_t vec_first_bad(const std::byte* b, std::size_t n, std::uint64_t from) {
    for (std::size_t k = 0; k < n; ++k)
        if (b[k] != vec_byte(from + k)) return k;
    return n;
}

/// data cut into consecutive pieces, their sizes taken from `sizes` in turn (0 gives an empty
/// buffer): the buffers of a vectored call.
template <class B>
std::vector<std::span<B>> vec_cut(std::span<B> data, const std::vector<std::size_t>& sizes) {
    std::vector<std::span<B>> out;
    std::size_t at = 0;
    for (std::size_t i = 0; at < data.size(); ++i) {
        std::size_t n = std::min(sizes[i % sizes.size()], data.size() - at);
        out.push_back(data.subspan(at, n));
        at += n;
    }
    return out;
}
/// Piece sizes with empty buffers among them, and one larger than a socket's first send.
const std::vector<std::size_t> vec_sizes_a{1, 0, 7, 4096, 0, 0, 65536, 3, 300, 1};
const std::vector<std::size_t> vec_sizes_b{5, 1000, 0, 17, 32768, 2};

/// Drops from bufs (from index first on) the n bytes a call moved: the buffers it finished,
/// and the front of the one it stopped in.
template <class B>
void vec_advance(std::vector<std::span<B>>& bufs, std::size_t& first, std::size_t n) {
    while (n > 0 && first < bufs.size()) {
        std::size_t part = std::min(n, bufs[first].size());
        bufs[first] = bufs[first].subspan(part);
        n -= part;
        if (bufs[first].empty()) ++first;
    }
    while (first < bufs.size() && bufs[first].empty()) ++first;
}

/// Sends every byte of bufs with writev calls (a call may send fewer); gives how many calls.
template <class Stream>
weir::task<int> vec_send_all(Stream& s, out_bufs bufs) {
    int calls = 0;
    std::size_t first = 0;
    vec_advance(bufs, first, 0);
    while (first < bufs.size()) {
        std::span<const std::span<const std::byte>> rest(bufs);
        std::size_t n = co_await s.writev(rest.subspan(first));
        ++calls;
        if (n == 0) throw std::runtime_error("writev sent nothing");
        vec_advance(bufs, first, n);
    }
    co_return calls;
}
/// Fills every byte of bufs with readv calls; throws at an early end of stream.
template <class Stream>
weir::task<void> vec_recv_all(Stream& s, in_bufs bufs) {
    std::size_t first = 0;
    vec_advance(bufs, first, 0);
    while (first < bufs.size()) {
        std::span<const std::span<std::byte>> rest(bufs);
        std::size_t n = co_await s.readv(rest.subspan(first));
        if (n == 0) throw std::runtime_error("readv: early end of stream");
        vec_advance(bufs, first, n);
    }
}
/// Everything s receives up to the end of the stream.
template <class Stream>
weir::task<byte_vec> vec_read_to_end(Stream& s) {
    byte_vec all, buf(64 * 1024);
    for (;;) {
        std::size_t n = co_await s.read(buf);
        if (n == 0) co_return all;
        all.insert(all.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    }
}

struct vec_streams {
    tcp_stream client, server;
};
weir::task<vec_streams> vec_connected_pair() {
    auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
    vec_streams p;
    p.client = co_await weir::timeout(5s, tcp_stream::connect(l.local_address()));
    p.server = co_await weir::timeout(5s, l.accept());
    co_return p;
}

std::string vec_text(std::span<const std::byte> b) {
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

/// A path in the temporary directory, removed when the test ends.
struct vec_temp_file {
    std::string path;
    explicit vec_temp_file(const char* name) {
        static std::atomic<int> n{0};
        auto stamp = std::chrono::system_clock::now().time_since_epoch().count();
        path = (std::filesystem::temp_directory_path() /
                ("weir-test-vec-" + std::string(name) + "-" + std::to_string(stamp) + "-" +
                 std::to_string(n++)))
                   .string();
    }
    ~vec_temp_file() {
        std::error_code ec;
        std::filesystem::remove(path, ec);
    }
};

/// Writes every byte of bufs at offset with writev_at calls (a call may write fewer).
weir::task<void> vec_write_all_at(file& f, out_bufs bufs, std::uint64_t offset) {
    std::size_t first = 0;
    vec_advance(bufs, first, 0);
    while (first < bufs.size()) {
        std::span<const std::span<const std::byte>> rest(bufs);
        std::size_t n = co_await f.writev_at(rest.subspan(first), offset);
        if (n == 0) throw std::runtime_error("writev_at wrote nothing");
        offset += n;
        vec_advance(bufs, first, n);
    }
}
/// Reads into bufs at offset with readv_at calls until they are full or the file ends; gives
/// the total.
weir::task<std::size_t> vec_read_all_at(file& f, in_bufs bufs, std::uint64_t offset) {
    std::size_t first = 0, total = 0;
    vec_advance(bufs, first, 0);
    while (first < bufs.size()) {
        std::span<const std::span<std::byte>> rest(bufs);
        std::size_t n = co_await f.readv_at(rest.subspan(first), offset);
        if (n == 0) break;
        offset += n;
        total += n;
        vec_advance(bufs, first, n);
    }
    co_return total;
}

}  // namespace

TEST_CASE("tcp_writev_sends_every_buffer_in_order", "[net]") {
    weir::runtime rt{workers(2)};
    if (!have_io(rt)) return;
    constexpr std::size_t total = 1 << 20;  // more than one send takes: several calls
    auto r = rt.block_on([]() -> weir::task<std::pair<std::size_t, std::size_t>> {
        auto p = co_await vec_connected_pair();
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
        auto p = co_await vec_connected_pair();
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
    vec_temp_file sock("unix");
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
        auto p = co_await vec_connected_pair();
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
    vec_temp_file tmp("file");
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
    vec_temp_file tmp("many");
    auto out = rt.block_on([](std::string path) -> weir::task<std::string> {
        auto p = co_await vec_connected_pair();
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
    vec_temp_file tmp("none");
    auto out = rt.block_on([](std::string path) -> weir::task<std::string> {
        auto p = co_await vec_connected_pair();
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

TEST_CASE("tcp_readv_cancelled_while_pending_ends_and_the_socket_stays_usable", "[net]") {
    weir::runtime rt{workers(2)};
    if (!have_io(rt)) return;
    auto got = rt.block_on([]() -> weir::task<std::string> {
        auto p = co_await vec_connected_pair();
        byte_vec a(2), b(8);
        in_bufs bufs{a, b};
        std::string out;
        try {
            co_await weir::timeout(20ms, p.client.readv(bufs));  // nothing was sent
        } catch (const weir::timed_out&) {
            out += "timed out;";
        }
        co_await p.server.write_all(bytes_of("hello"));
        in_bufs hello{a, std::span(b).first(3)};
        co_await vec_recv_all(p.client, hello);
        out += vec_text(a) + "|" + vec_text(std::span(b).first(3));
        co_return out;
    }());
    CHECK(got == "timed out;he|llo");
}

namespace {

/// Streams vec_byte(0), vec_byte(1), ... in uneven chunks until *stop, then ends the stream.
weir::task<std::uint64_t> vec_stream_until(tcp_stream s, const std::atomic<bool>* stop) {
    byte_vec chunk(4096);
    std::uint64_t pos = 0;
    for (std::size_t round = 0; !stop->load(std::memory_order_acquire); ++round) {
        std::size_t n = 1 + (round * 1237) % chunk.size();
        for (std::size_t k = 0; k < n; ++k) chunk[k] = vec_byte(pos + k);
        co_await s.write_all(std::span<const std::byte>(chunk.data(), n));
        pos += n;
    }
    s.shutdown();
    co_return pos;
}

/// Holds its worker for d without yielding: a completed readv then waits to be reaped while its
/// timer comes due (as in test_io_cancel_safety.cpp).
weir::task<void> vec_hold_worker(std::chrono::microseconds d) {
    weir_test::spin_for(d);
    co_return;
}

struct vec_race_report {
    std::uint64_t received = 0;
    std::uint64_t first_bad = UINT64_MAX;
    int timeouts_fired = 0;
    int selects_lost = 0;
};

/// Checks what one call received against the positions it should have, in buffer order.
void vec_check(vec_race_report& r, const in_bufs& bufs, std::size_t n) {
    for (const auto& b : bufs) {
        std::size_t part = std::min(n, b.size());
        std::size_t k = vec_first_bad(b.data(), part, r.received);
        if (k < part && r.first_bad == UINT64_MAX) r.first_bad = r.received + k;
        r.received += part;
        n -= part;
    }
}

/// Reads through timeouts and losing selects, alternating readv (three buffers) and read, so
/// that bytes a lost readv gave back are taken by a read and the other way round.
weir::task<vec_race_report> vec_read_through_races(tcp_stream s, int rounds,
                                                   std::atomic<bool>* stop) {
    vec_race_report r;
    byte_vec a(7), b(100), c(300), one(407);
    in_bufs three{a, b, c}, single{one};
    for (int i = 0; i < rounds; ++i) {
        if (i % 25 == 0) weir::spawn(vec_hold_worker(std::chrono::microseconds(3000)));
        try {
            if (i % 2 == 0) {
                std::size_t n = co_await weir::timeout(1ms, s.readv(three));
                vec_check(r, three, n);
            } else {
                std::size_t n = co_await weir::timeout(1ms, s.read(one));
                vec_check(r, single, n);
            }
        } catch (const weir::timed_out&) {
            ++r.timeouts_fired;
        }
    }
    while (r.selects_lost < rounds) {
        bool vectored = r.selects_lost % 2 == 0;
        if (vectored) {
            auto v = co_await weir::select(s.readv(three), weir::sleep(0ms));
            if (v.index() == 0)
                vec_check(r, three, std::get<0>(v));
            else
                ++r.selects_lost;
        } else {
            auto v = co_await weir::select(s.read(one), weir::sleep(0ms));
            if (v.index() == 0)
                vec_check(r, single, std::get<0>(v));
            else
                ++r.selects_lost;
        }
    }
    stop->store(true, std::memory_order_release);
    for (;;) {
        std::size_t n = co_await s.readv(three);
        if (n == 0) break;
        vec_check(r, three, n);
    }
    co_return r;
}

}  // namespace

TEST_CASE("tcp_readv_under_timeouts_and_losing_selects_loses_no_byte", "[net]") {
    weir::runtime peer{workers(1)};
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
    auto addr = l.local_address();
    std::atomic<bool> stop{false};
    auto writer =
        peer.spawn([](tcp_listener* l, const std::atomic<bool>* stop) -> weir::task<std::uint64_t> {
            co_return co_await vec_stream_until(co_await l->accept(), stop);
        }(&l, &stop));
    constexpr int rounds = 2000;
    vec_race_report r = rt.block_on([](socket_address addr,
                                       std::atomic<bool>* stop) -> weir::task<vec_race_report> {
        tcp_stream s = co_await tcp_stream::connect(addr);
        co_return co_await weir_test::on_worker(vec_read_through_races(std::move(s), rounds, stop));
    }(addr, &stop));
    std::uint64_t sent = peer.block_on(std::move(writer));
    INFO("driver " << rt.io_backend() << ": sent " << sent << ", received " << r.received
                   << ", timeouts fired " << r.timeouts_fired);
    CHECK(r.first_bad == UINT64_MAX);
    CHECK(r.received == sent);
    CHECK(r.selects_lost == rounds);
    CHECK(r.timeouts_fired >= rounds / 25 / 2);  // the forced races did happen
}

TEST_CASE("tcp_writev_that_times_out_reports_exactly_what_it_sent", "[net]") {
    // The peer does not read until the end, so the socket's buffers fill and a writev waits;
    // its timeout then ends it. Every count a writev gave must match what arrived, and the one
    // that timed out must have sent nothing (or, if its send completed first, given its count).
    weir::runtime rt{workers(2)};
    if (!have_io(rt)) return;
    auto out = rt.block_on([]() -> weir::task<std::string> {
        auto p = co_await vec_connected_pair();
        std::uint64_t sent = 0;
        int timeouts = 0;
        for (int i = 0; i < 100000 && timeouts == 0; ++i) {
            byte_vec data = vec_pattern(sent, 60'000);
            out_bufs bufs =
                vec_cut(std::span<const std::byte>(data), std::vector<std::size_t>{10'000, 50'000});
            try {
                std::size_t n = co_await weir::timeout(50ms, p.client.writev(bufs));
                sent += n;
            } catch (const weir::timed_out&) {
                ++timeouts;
            }
        }
        p.client.shutdown();
        byte_vec got = co_await vec_read_to_end(p.server);
        std::size_t good = vec_first_bad(got.data(), got.size(), 0);
        co_return "timeouts " + std::to_string(timeouts) + "; arrived as reported " +
            std::to_string(got.size() == sent) + "; in order " + std::to_string(good == got.size());
    }());
    CHECK(out == "timeouts 1; arrived as reported 1; in order 1");
}

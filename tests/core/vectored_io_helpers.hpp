// Helpers of the vectored I/O tests (test_vectored_io.cpp, test_vectored_io_cancel.cpp):
// connected pairs, buffers, and calls that loop over short transfers as a caller must.
#pragma once

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
#include "temp_path.hpp"

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

std::string vec_text(std::span<const std::byte> b) {
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

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

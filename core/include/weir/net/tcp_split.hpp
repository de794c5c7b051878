// Owned halves of a weir::net::tcp_stream, so that one task reads while another writes (a proxy,
// a chat connection, a protocol with server pushes), as tokio's TcpStream::into_split gives:
//   auto [rd, wr] = std::move(stream).into_split();
// Both halves share the stream through a shared_ptr (one allocation at the split; none per
// call), each calling only its own side of it: reads touch the stream's read state (the bytes
// kept from a read that lost a race), writes touch nothing but the socket, so the two may run
// at once on different workers without a lock. The socket closes when both halves are gone.
// Dropping the write half ends the sending side (the peer reads end of stream), as in tokio;
// reunite() gives the whole stream back.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>

#include "../task.hpp"
#include "socket_address.hpp"
#include "tcp.hpp"

namespace weir::net {

/// The reading half of a tcp_stream (tcp_stream::into_split): read, readv, read_exact, peek, with
/// the stream's cancel safety. One read at a time, as on the stream.
class tcp_read_half {
public:
    tcp_read_half() noexcept = default;
    tcp_read_half(tcp_read_half&&) noexcept = default;
    tcp_read_half& operator=(tcp_read_half&&) noexcept = default;

    /// tcp_stream::read.
    task<std::size_t> read(std::span<std::byte> buf) { return s("read").read(buf); }
    /// tcp_stream::readv (scatter: several buffers in one call).
    task<std::size_t> readv(std::span<const std::span<std::byte>> bufs) {
        return s("readv").readv(bufs);
    }
    /// tcp_stream::read_exact.
    task<void> read_exact(std::span<std::byte> buf) { return s("read_exact").read_exact(buf); }
    /// tcp_stream::peek.
    task<std::size_t> peek(std::span<std::byte> buf) { return s("peek").peek(buf); }
    socket_address local_address() const { return s("local_address").local_address(); }
    socket_address peer_address() const { return s("peer_address").peer_address(); }

private:
    friend class tcp_stream;
    friend tcp_stream reunite(tcp_read_half&&, tcp_write_half&&);
    explicit tcp_read_half(std::shared_ptr<tcp_stream> s) noexcept : s_(std::move(s)) {}
    tcp_stream& s(const char* what) const {
        if (!s_)
            throw std::logic_error(std::string("weir::net::tcp_read_half::") + what +
                                   ": the half is empty or moved from");
        return *s_;
    }
    std::shared_ptr<tcp_stream> s_;
};

/// The writing half of a tcp_stream (tcp_stream::into_split). Dropping it shuts down the sending
/// side, so the peer sees end of stream even while the read half lives on.
class tcp_write_half {
public:
    tcp_write_half() noexcept = default;
    tcp_write_half(tcp_write_half&&) noexcept = default;
    tcp_write_half& operator=(tcp_write_half&& o) noexcept {
        if (this != &o) {
            finish();
            s_ = std::move(o.s_);
        }
        return *this;
    }
    ~tcp_write_half() { finish(); }

    /// tcp_stream::write_all (not cancel safe, as there).
    task<void> write_all(std::span<const std::byte> buf) { return s("write_all").write_all(buf); }
    /// tcp_stream::writev (gather: several buffers in one call; may send fewer bytes than they
    /// hold).
    task<std::size_t> writev(std::span<const std::span<const std::byte>> bufs) {
        return s("writev").writev(bufs);
    }
    /// Ends the sending side now (tcp_stream::shutdown()); the half stays usable for addresses.
    void shutdown() { s("shutdown").shutdown(); }
    socket_address local_address() const { return s("local_address").local_address(); }
    socket_address peer_address() const { return s("peer_address").peer_address(); }

private:
    friend class tcp_stream;
    friend tcp_stream reunite(tcp_read_half&&, tcp_write_half&&);
    explicit tcp_write_half(std::shared_ptr<tcp_stream> s) noexcept : s_(std::move(s)) {}
    tcp_stream& s(const char* what) const {
        if (!s_)
            throw std::logic_error(std::string("weir::net::tcp_write_half::") + what +
                                   ": the half is empty or moved from");
        return *s_;
    }
    /// The drop's shutdown; an error (the peer is gone already) has nobody to go to.
    void finish() noexcept {
        if (!s_) return;
        try {
            s_->shutdown();
        } catch (const std::exception&) {
        }
        s_.reset();
    }
    std::shared_ptr<tcp_stream> s_;
};

inline std::pair<tcp_read_half, tcp_write_half> tcp_stream::into_split() && {
    h_.require("weir::net::tcp_stream::into_split");
    auto shared = std::make_shared<tcp_stream>(std::move(*this));
    return {tcp_read_half(shared), tcp_write_half(std::move(shared))};
}

/// Puts the halves of one into_split back together (no shutdown happens). std::invalid_argument
/// if they come from different streams (both halves are then left as they were).
inline tcp_stream reunite(tcp_read_half&& r, tcp_write_half&& w) {
    if (!r.s_ || r.s_ != w.s_)
        throw std::invalid_argument(
            "weir::net::reunite: the halves do not come from the same tcp_stream");
    std::shared_ptr<tcp_stream> s = std::move(r.s_);
    w.s_.reset();
    return std::move(*s);
}

}  // namespace weir::net

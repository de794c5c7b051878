// weir::net TCP: tcp_listener (bind, accept) and tcp_stream (connect, read, write). Every
// operation that waits is a weir::task, runs through the runtime's I/O driver (io_uring on
// Linux; see runtime::io_backend) and can be cancelled like any await (with_cancellation,
// timeout, select): the pending operation is cancelled in the kernel and the await throws
// weir::operation_cancelled. Each call says what a cancellation does to its data ("cancel
// safe": nothing is lost; the table in docs/io.md). OS errors surface as std::system_error with
// the OS error code. Sockets are move-only; the destructor closes.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "../detail/io_awaiter.hpp"
#include "../detail/kept_input.hpp"
#include "../detail/net_sys.hpp"
#include "../task.hpp"
#include "socket_address.hpp"
#include "socket_options.hpp"

namespace weir::net {

/// Thrown by read_exact when the peer ends the stream before the buffer is full.
class end_of_stream : public std::system_error {
public:
    end_of_stream(std::size_t got, std::size_t wanted)
        : std::system_error(std::make_error_code(std::errc::no_message_available),
                            "weir::net::tcp_stream::read_exact: the peer closed the stream "
                            "after " +
                                std::to_string(got) + " of " + std::to_string(wanted) + " bytes") {}
};

namespace detail {
/// Owns an OS socket handle; closes it on destruction.
class socket_handle {
public:
    socket_handle() noexcept = default;
    explicit socket_handle(std::intptr_t fd) noexcept : fd_(fd) {}
    socket_handle(socket_handle&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    socket_handle& operator=(socket_handle&& o) noexcept {
        if (this != &o) {
            weir::detail::sys_close(fd_);
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    socket_handle(const socket_handle&) = delete;
    ~socket_handle() { weir::detail::sys_close(fd_); }
    std::intptr_t get() const noexcept { return fd_; }
    /// Gives up ownership: the caller closes.
    std::intptr_t release() noexcept { return std::exchange(fd_, -1); }
    std::intptr_t require(const char* what) const {
        if (fd_ < 0)
            throw std::logic_error(std::string(what) + ": the socket is closed or moved from");
        return fd_;
    }

private:
    std::intptr_t fd_ = -1;
};

inline weir::detail::io_op make_op(weir::detail::io_kind k, std::intptr_t fd, void* buf,
                                   std::size_t len) noexcept {
    weir::detail::io_op op;
    op.kind = k;
    op.handle = fd;
    op.buf = buf;
    op.len = len;
    return op;
}
}  // namespace detail

class tcp_read_half;
class tcp_write_half;

class tcp_stream {
public:
    /// An unconnected (empty) stream; connect() or tcp_listener::accept() give real ones.
    tcp_stream() noexcept = default;
    /// Adopts a connected socket handle (internal; used by accept and connect).
    explicit tcp_stream(std::intptr_t fd) noexcept : h_(fd) {}
    explicit tcp_stream(detail::socket_handle h) noexcept : h_(std::move(h)) {}

    tcp_stream(tcp_stream&&) noexcept = default;
    tcp_stream& operator=(tcp_stream&&) noexcept = default;

    /// Connects to addr.
    /// Cancel safety: a connect cancelled before it completed leaves nothing behind; one that
    /// completed anyway gives its stream (weir::timeout then gives it too), except as the losing
    /// branch of select, where the stream is dropped and the peer sees a connection closed.
    static task<tcp_stream> connect(socket_address addr) {
        detail::socket_handle h(weir::detail::sys_socket(addr, weir::detail::socket_kind::stream));
        weir::detail::sockaddr_buf sa;
        std::uint32_t len = weir::detail::sys_to_sockaddr(addr, sa);
        auto op = detail::make_op(weir::detail::io_kind::connect, h.get(), nullptr, 0);
        op.addr = sa.bytes;
        op.addrlen = &len;
        std::int64_t r = co_await weir::detail::io_awaiter{op};
        if (r < 0)
            throw weir::detail::io_error(r, "weir::net::tcp_stream::connect " + addr.to_string());
        co_return tcp_stream(std::move(h));
    }

    /// Reads what is available (at least 1 byte, waiting if needed) into buf; 0 at end of stream.
    /// One read at a time per stream.
    /// Cancel safe: a cancelled read (timeout, a losing select branch, with_cancellation) throws
    /// and consumes nothing. Bytes the kernel had already delivered into buf are kept by the
    /// stream and returned first by the next read.
    task<std::size_t> read(std::span<std::byte> buf) {
        auto op =
            detail::make_op(weir::detail::io_kind::recv, h_.require("weir::net::tcp_stream::read"),
                            buf.data(), buf.size());
        if (read_shut_) co_return 0;
        if (kept_ && !kept_->empty()) co_return kept_->take(buf);
        std::int64_t r = co_await weir::detail::io_awaiter{op, &keep_bytes, this};
        co_return static_cast<std::size_t>(
            weir::detail::check_io(r, "weir::net::tcp_stream::read"));
    }
    /// Copies what is available (at least 1 byte, waiting if needed) into buf without taking it:
    /// the next read or peek gets the same bytes again. 0 at end of stream.
    /// Cancel safe: a cancelled peek takes nothing, so nothing needs keeping.
    task<std::size_t> peek(std::span<std::byte> buf) {
        auto op =
            detail::make_op(weir::detail::io_kind::recv, h_.require("weir::net::tcp_stream::peek"),
                            buf.data(), buf.size());
        op.flags = weir::detail::io_flag_peek;
        if (read_shut_) co_return 0;
        if (kept_ && !kept_->empty()) co_return kept_->copy(buf);
        std::int64_t r = co_await weir::detail::io_awaiter{op};
        co_return static_cast<std::size_t>(
            weir::detail::check_io(r, "weir::net::tcp_stream::peek"));
    }
    /// Fills buf completely; throws end_of_stream if the peer closes first.
    /// Cancel safe: when cancelled, the bytes already read into buf go back to the stream (in
    /// front of any it keeps), so the next read starts where this one started.
    task<void> read_exact(std::span<std::byte> buf) {
        std::size_t got = 0;
        try {
            while (got < buf.size()) {
                std::size_t n = co_await read(buf.subspan(got));
                if (n == 0) throw end_of_stream(got, buf.size());
                got += n;
            }
        } catch (const operation_cancelled&) {
            if (got) kept().push_front(buf.data(), got);
            throw;
        }
    }
    /// Writes all of buf (several sends if the kernel takes it in parts).
    /// Not cancel safe: a cancelled write_all may have sent a part of buf (which part is not
    /// reported); the stream is then in an unknown state for the peer's framing.
    task<void> write_all(std::span<const std::byte> buf) {
        std::intptr_t fd = h_.require("weir::net::tcp_stream::write_all");
        std::size_t done = 0;
        while (done < buf.size()) {
            auto op = detail::make_op(weir::detail::io_kind::send, fd,
                                      const_cast<std::byte*>(buf.data() + done), buf.size() - done);
            std::int64_t r = co_await weir::detail::io_awaiter{op};
            done += static_cast<std::size_t>(
                weir::detail::check_io(r, "weir::net::tcp_stream::write_all"));
        }
    }
    /// Ends the sending side: the peer's reads then see end of stream.
    void shutdown() {
        weir::detail::sys_shutdown_write(h_.require("weir::net::tcp_stream::shutdown"),
                                         "weir::net::tcp_stream::shutdown");
    }
    /// Ends one direction, or both (socket_options.hpp): after shutdown_how::read, reads give 0
    /// (end of stream) at once on every platform, and bytes the stream kept from a read that
    /// lost a race are dropped; shutdown_how::write is shutdown().
    void shutdown(shutdown_how how) {
        weir::detail::sys_shutdown(h_.require("weir::net::tcp_stream::shutdown"),
                                   how == shutdown_how::read    ? weir::detail::shutdown_dir::read
                                   : how == shutdown_how::write ? weir::detail::shutdown_dir::write
                                                                : weir::detail::shutdown_dir::both,
                                   "weir::net::tcp_stream::shutdown");
        if (how != shutdown_how::write) {
            read_shut_ = true;
            kept_.reset();
        }
    }
    /// Disables (true) or enables Nagle's algorithm.
    void set_nodelay(bool on) {
        weir::detail::sys_set_nodelay(h_.require("weir::net::tcp_stream::set_nodelay"), on,
                                      "weir::net::tcp_stream::set_nodelay");
    }
    /// Whether Nagle's algorithm is disabled.
    bool nodelay() const {
        return detail::get_bool(h_.require("weir::net::tcp_stream::nodelay"),
                                detail::sock_option::nodelay, "weir::net::tcp_stream::nodelay");
    }
    /// SO_KEEPALIVE: the OS probes a connection that has been idle (for about 2 hours by default
    /// on Linux and Windows) and ends it when the peer no longer answers.
    void set_keepalive(bool on) {
        detail::set_bool(h_.require("weir::net::tcp_stream::set_keepalive"),
                         detail::sock_option::keepalive, on,
                         "weir::net::tcp_stream::set_keepalive");
    }
    bool keepalive() const {
        return detail::get_bool(h_.require("weir::net::tcp_stream::keepalive"),
                                detail::sock_option::keepalive, "weir::net::tcp_stream::keepalive");
    }
    /// SO_LINGER. nullopt (the default): closing returns at once and the OS sends what is left
    /// in the background. A duration d: the OS keeps trying to send what is left for up to d
    /// after the close; 0 s: the close resets the connection (the peer sees ECONNRESET) and
    /// unsent data is dropped. weir closes on the I/O driver, so no worker waits meanwhile.
    /// std::invalid_argument outside [0 s, 65535 s].
    void set_linger(std::optional<std::chrono::seconds> d) {
        detail::set_linger(h_.require("weir::net::tcp_stream::set_linger"), d,
                           "weir::net::tcp_stream::set_linger");
    }
    std::optional<std::chrono::seconds> linger() const {
        return detail::get_linger(h_.require("weir::net::tcp_stream::linger"),
                                  "weir::net::tcp_stream::linger");
    }
    /// SO_RCVBUF, in bytes: how much the kernel buffers for reads. The OS may round the value or,
    /// as Linux does, double it for its bookkeeping: recv_buffer_size() reports what it uses.
    void set_recv_buffer_size(std::size_t bytes) {
        detail::set_size(h_.require("weir::net::tcp_stream::set_recv_buffer_size"),
                         detail::sock_option::recv_buffer, bytes,
                         "weir::net::tcp_stream::set_recv_buffer_size");
    }
    std::size_t recv_buffer_size() const {
        return detail::get_size(h_.require("weir::net::tcp_stream::recv_buffer_size"),
                                detail::sock_option::recv_buffer,
                                "weir::net::tcp_stream::recv_buffer_size");
    }
    /// SO_SNDBUF, in bytes, as set_recv_buffer_size.
    void set_send_buffer_size(std::size_t bytes) {
        detail::set_size(h_.require("weir::net::tcp_stream::set_send_buffer_size"),
                         detail::sock_option::send_buffer, bytes,
                         "weir::net::tcp_stream::set_send_buffer_size");
    }
    std::size_t send_buffer_size() const {
        return detail::get_size(h_.require("weir::net::tcp_stream::send_buffer_size"),
                                detail::sock_option::send_buffer,
                                "weir::net::tcp_stream::send_buffer_size");
    }
    /// The IP time to live (hop limit on IPv6) of outgoing packets, 1 to 255.
    void set_ttl(std::uint32_t ttl) {
        detail::set_ttl(h_.require("weir::net::tcp_stream::set_ttl"), ttl,
                        "weir::net::tcp_stream::set_ttl");
    }
    std::uint32_t ttl() const {
        return detail::get_ttl(h_.require("weir::net::tcp_stream::ttl"),
                               "weir::net::tcp_stream::ttl");
    }
    /// Splits the stream into a read half and a write half that two tasks may use at once
    /// (tcp_split.hpp); the stream is left empty. std::logic_error on an empty stream.
    std::pair<tcp_read_half, tcp_write_half> into_split() &&;

    socket_address local_address() const {
        return weir::detail::sys_local_address(h_.require("weir::net::tcp_stream::local_address"),
                                               "weir::net::tcp_stream::local_address");
    }
    socket_address peer_address() const {
        return weir::detail::sys_peer_address(h_.require("weir::net::tcp_stream::peer_address"),
                                              "weir::net::tcp_stream::peer_address");
    }
    /// The OS handle (a file descriptor natively), or -1.
    std::intptr_t native_handle() const noexcept { return h_.get(); }

private:
    weir::detail::kept_bytes& kept() {
        if (!kept_) kept_ = std::make_unique<weir::detail::kept_bytes>();
        return *kept_;
    }
    /// io_awaiter's give_back for read: what a lost read received waits for the next read.
    static void keep_bytes(void* self, const weir::detail::io_op& op) {
        if (op.result > 0)
            static_cast<tcp_stream*>(self)->kept().push_back(op.buf,
                                                             static_cast<std::size_t>(op.result));
    }

    detail::socket_handle h_;
    std::unique_ptr<weir::detail::kept_bytes> kept_;  // made when a read first loses a race
    bool read_shut_ = false;                          // shutdown(read or both) was called
};

class tcp_listener {
public:
    tcp_listener() noexcept = default;

    /// Binds and listens on addr (port 0: the OS picks a free port; see local_address()).
    /// backlog: the length of the queue of connections not yet accepted, as for listen(2) (0 is
    /// valid: the OS's minimum); std::invalid_argument if negative.
    static tcp_listener bind(const socket_address& addr, int backlog = 1024) {
        listen_options o;
        o.backlog = backlog;
        return bind(addr, o);
    }
    /// Binds and listens with the options o (socket_options.hpp: backlog, reuse_address,
    /// reuse_port).
    static tcp_listener bind(const socket_address& addr, const listen_options& o) {
        const char* what = "weir::net::tcp_listener::bind";
        if (o.backlog < 0) throw std::invalid_argument(std::string(what) + ": negative backlog");
        detail::socket_handle h(weir::detail::sys_socket(addr, weir::detail::socket_kind::stream));
        if (o.reuse_address)
            detail::set_bool(h.get(), detail::sock_option::reuse_address, true, what);
        if (o.reuse_port) detail::set_bool(h.get(), detail::sock_option::reuse_port, true, what);
        if (addr.is_ipv6()) detail::set_bool(h.get(), detail::sock_option::only_v6, o.only_v6, what);
        std::intptr_t fd = h.release();
        weir::detail::sys_bind(fd, addr, o.backlog, what);  // or closes
        tcp_listener l;
        l.h_ = detail::socket_handle(fd);
        l.kept_ = std::make_unique<weir::detail::kept_queue<detail::socket_handle>>();
        return l;
    }

    /// Waits for the next connection. Several tasks may accept on one listener at once.
    /// Cancel safe: a cancelled accept throws and takes no connection. A connection the kernel
    /// had already accepted for it is kept by the listener and returned by the next accept.
    task<tcp_stream> accept() {
        auto op = detail::make_op(weir::detail::io_kind::accept,
                                  h_.require("weir::net::tcp_listener::accept"), nullptr, 0);
        if (detail::socket_handle kept; kept_->pop(kept)) co_return tcp_stream(std::move(kept));
        std::int64_t r = co_await weir::detail::io_awaiter{op, &keep_connection, this};
        co_return tcp_stream(weir::detail::check_io(r, "weir::net::tcp_listener::accept"));
    }

    /// The IP time to live (hop limit on IPv6) of the listener's packets, 1 to 255; accepted
    /// streams have their own (tcp_stream::set_ttl).
    void set_ttl(std::uint32_t ttl) {
        detail::set_ttl(h_.require("weir::net::tcp_listener::set_ttl"), ttl,
                        "weir::net::tcp_listener::set_ttl");
    }
    std::uint32_t ttl() const {
        return detail::get_ttl(h_.require("weir::net::tcp_listener::ttl"),
                               "weir::net::tcp_listener::ttl");
    }
    /// Whether an IPv6 listener takes only IPv6 connections (listen_options::only_v6).
    bool only_v6() const {
        return detail::get_bool(h_.require("weir::net::tcp_listener::only_v6"),
                                detail::sock_option::only_v6, "weir::net::tcp_listener::only_v6");
    }
    /// Whether the listener was bound with reuse_port (listen_options).
    bool reuse_port() const {
        return detail::get_bool(h_.require("weir::net::tcp_listener::reuse_port"),
                                detail::sock_option::reuse_port,
                                "weir::net::tcp_listener::reuse_port");
    }
    socket_address local_address() const {
        return weir::detail::sys_local_address(h_.require("weir::net::tcp_listener::local_address"),
                                               "weir::net::tcp_listener::local_address");
    }

private:
    /// io_awaiter's give_back for accept: the connection waits for the next accept.
    static void keep_connection(void* self, const weir::detail::io_op& op) {
        detail::socket_handle h(static_cast<std::intptr_t>(op.result));  // closes if push throws
        static_cast<tcp_listener*>(self)->kept_->push(std::move(h));
    }

    detail::socket_handle h_;
    /// Connections accepted for accepts that lost a race (closed with the listener).
    std::unique_ptr<weir::detail::kept_queue<detail::socket_handle>> kept_;
};

}  // namespace weir::net

#include "tcp_split.hpp"  // the halves, and into_split's definition

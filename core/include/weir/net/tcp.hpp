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
#include "stream_socket.hpp"

namespace weir::net {

class tcp_read_half;
class tcp_write_half;

namespace detail {
struct tcp_names {
    static constexpr const char* read = "weir::net::tcp_stream::read";
    static constexpr const char* readv = "weir::net::tcp_stream::readv";
    static constexpr const char* read_exact = "weir::net::tcp_stream::read_exact";
    static constexpr const char* peek = "weir::net::tcp_stream::peek";
    static constexpr const char* write_all = "weir::net::tcp_stream::write_all";
    static constexpr const char* writev = "weir::net::tcp_stream::writev";
    static constexpr const char* shutdown = "weir::net::tcp_stream::shutdown";
};
}  // namespace detail

/// A TCP connection: read, readv, read_exact, peek, write_all, writev and shutdown
/// (stream_socket.hpp, each with its cancel safety), TCP's socket options, and into_split for two
/// tasks at once.
class tcp_stream : public detail::stream_socket<detail::tcp_names> {
public:
    /// An unconnected (empty) stream; connect() or tcp_listener::accept() give real ones.
    tcp_stream() noexcept = default;
    /// Adopts a connected socket handle (internal; used by accept and connect).
    explicit tcp_stream(std::intptr_t fd) noexcept : stream_socket(detail::socket_handle(fd)) {}
    explicit tcp_stream(detail::socket_handle h) noexcept : stream_socket(std::move(h)) {}

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
        if (addr.is_ipv6())
            detail::set_bool(h.get(), detail::sock_option::only_v6, o.only_v6, what);
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

// weir::net TCP: tcp_listener (bind, accept) and tcp_stream (connect, read, write). Every
// operation that waits is a weir::task, runs through the runtime's I/O driver (io_uring on
// Linux; see runtime::io_backend) and can be cancelled like any await (with_cancellation,
// timeout, select): the pending operation is cancelled in the kernel and the await throws
// weir::operation_cancelled. OS errors surface as std::system_error with the OS error code.
// Sockets are move-only; the destructor closes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "../detail/io_awaiter.hpp"
#include "../detail/net_sys.hpp"
#include "../task.hpp"
#include "socket_address.hpp"

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

class tcp_stream {
public:
    /// An unconnected (empty) stream; connect() or tcp_listener::accept() give real ones.
    tcp_stream() noexcept = default;
    /// Adopts a connected socket handle (internal; used by accept and connect).
    explicit tcp_stream(std::intptr_t fd) noexcept : h_(fd) {}
    explicit tcp_stream(detail::socket_handle h) noexcept : h_(std::move(h)) {}

    /// Connects to addr.
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
    task<std::size_t> read(std::span<std::byte> buf) {
        auto op =
            detail::make_op(weir::detail::io_kind::recv, h_.require("weir::net::tcp_stream::read"),
                            buf.data(), buf.size());
        std::int64_t r = co_await weir::detail::io_awaiter{op};
        co_return static_cast<std::size_t>(
            weir::detail::check_io(r, "weir::net::tcp_stream::read"));
    }
    /// Fills buf completely; throws end_of_stream if the peer closes first.
    task<void> read_exact(std::span<std::byte> buf) {
        std::size_t got = 0;
        while (got < buf.size()) {
            std::size_t n = co_await read(buf.subspan(got));
            if (n == 0) throw end_of_stream(got, buf.size());
            got += n;
        }
    }
    /// Writes all of buf (several sends if the kernel takes it in parts).
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
    /// Disables (true) or enables Nagle's algorithm.
    void set_nodelay(bool on) {
        weir::detail::sys_set_nodelay(h_.require("weir::net::tcp_stream::set_nodelay"), on,
                                      "weir::net::tcp_stream::set_nodelay");
    }
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
    detail::socket_handle h_;
};

class tcp_listener {
public:
    tcp_listener() noexcept = default;

    /// Binds and listens on addr (port 0: the OS picks a free port; see local_address()).
    static tcp_listener bind(const socket_address& addr, int backlog = 1024) {
        std::intptr_t fd = weir::detail::sys_socket(addr, weir::detail::socket_kind::stream);
        weir::detail::sys_bind(fd, addr, backlog, "weir::net::tcp_listener::bind");  // or closes
        tcp_listener l;
        l.h_ = detail::socket_handle(fd);
        return l;
    }

    /// Waits for the next connection.
    task<tcp_stream> accept() {
        auto op = detail::make_op(weir::detail::io_kind::accept,
                                  h_.require("weir::net::tcp_listener::accept"), nullptr, 0);
        std::int64_t r = co_await weir::detail::io_awaiter{op};
        co_return tcp_stream(weir::detail::check_io(r, "weir::net::tcp_listener::accept"));
    }

    socket_address local_address() const {
        return weir::detail::sys_local_address(h_.require("weir::net::tcp_listener::local_address"),
                                               "weir::net::tcp_listener::local_address");
    }

private:
    detail::socket_handle h_;
};

}  // namespace weir::net

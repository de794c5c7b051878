// weir::net::udp_socket: datagrams through the runtime's I/O driver. bind (port 0: any free
// port), send_to and recv_from as tasks, cancellable like any await (each says what a
// cancellation does to its data); OS errors as std::system_error. A datagram larger than the
// receive buffer is truncated, as with recvfrom.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "../detail/io_awaiter.hpp"
#include "../detail/kept_input.hpp"
#include "../detail/net_sys.hpp"
#include "../task.hpp"
#include "socket_address.hpp"
#include "socket_options.hpp"
#include "tcp.hpp"

namespace weir::net {

class udp_socket {
public:
    udp_socket() noexcept = default;

    /// A socket bound to addr (port 0: the OS picks one; see local_address()).
    static udp_socket bind(const socket_address& addr) {
        std::intptr_t fd = weir::detail::sys_socket(addr, weir::detail::socket_kind::datagram);
        weir::detail::sys_bind(fd, addr, weir::detail::no_listen,
                               "weir::net::udp_socket::bind");  // or closes fd
        udp_socket u;
        u.h_ = detail::socket_handle(fd);
        u.kept_ = std::make_unique<weir::detail::kept_queue<kept_datagram>>();
        return u;
    }

    /// Sends one datagram of buf to addr; gives the bytes sent.
    /// Cancel safety: a send cancelled before it completed sends nothing; one that completed
    /// anyway gives its size (weir::timeout then gives it too; a losing select branch drops the
    /// size, the datagram is sent).
    task<std::size_t> send_to(std::span<const std::byte> buf, socket_address addr) {
        weir::detail::sockaddr_buf sa;
        std::uint32_t len = weir::detail::sys_to_sockaddr(addr, sa);
        auto op = detail::make_op(weir::detail::io_kind::send_to,
                                  h_.require("weir::net::udp_socket::send_to"),
                                  const_cast<std::byte*>(buf.data()), buf.size());
        op.addr = sa.bytes;
        op.addrlen = &len;
        std::int64_t r = co_await weir::detail::io_awaiter{op};
        co_return static_cast<std::size_t>(
            weir::detail::check_io(r, "weir::net::udp_socket::send_to"));
    }

    /// Receives one datagram into buf; gives its size and the sender's address. Several tasks
    /// may receive on one socket at once.
    /// Cancel safe: a cancelled recv_from throws and takes no datagram. A datagram the kernel had
    /// already delivered for it is kept by the socket and returned by the next recv_from (cut to
    /// that call's buffer if it is smaller).
    task<std::pair<std::size_t, socket_address>> recv_from(std::span<std::byte> buf) {
        weir::detail::sockaddr_buf sa{};
        std::uint32_t len = sizeof sa.bytes;
        auto op =
            detail::make_op(weir::detail::io_kind::recv_from,
                            h_.require("weir::net::udp_socket::recv_from"), buf.data(), buf.size());
        op.addr = sa.bytes;
        op.addrlen = &len;
        if (kept_datagram d; kept_->pop(d)) {
            std::size_t n = std::min(d.data.size(), buf.size());
            if (n) std::memcpy(buf.data(), d.data.data(), n);
            co_return std::pair{n, d.from};
        }
        std::int64_t r = co_await weir::detail::io_awaiter{op, &keep_datagram, this};
        std::size_t n =
            static_cast<std::size_t>(weir::detail::check_io(r, "weir::net::udp_socket::recv_from"));
        co_return std::pair{n, weir::detail::sys_from_sockaddr(sa)};
    }

    /// SO_BROADCAST: whether send_to may send to a broadcast address (255.255.255.255, a
    /// subnet's broadcast address); without it such a send fails with EACCES.
    void set_broadcast(bool on) {
        detail::set_bool(h_.require("weir::net::udp_socket::set_broadcast"),
                         detail::sock_option::broadcast, on,
                         "weir::net::udp_socket::set_broadcast");
    }
    bool broadcast() const {
        return detail::get_bool(h_.require("weir::net::udp_socket::broadcast"),
                                detail::sock_option::broadcast, "weir::net::udp_socket::broadcast");
    }
    /// The IP time to live (hop limit on IPv6) of outgoing datagrams, 1 to 255.
    void set_ttl(std::uint32_t ttl) {
        detail::set_ttl(h_.require("weir::net::udp_socket::set_ttl"), ttl,
                        "weir::net::udp_socket::set_ttl");
    }
    std::uint32_t ttl() const {
        return detail::get_ttl(h_.require("weir::net::udp_socket::ttl"),
                               "weir::net::udp_socket::ttl");
    }
    /// SO_RCVBUF, in bytes: how many datagrams can wait for recv_from before the kernel drops
    /// new ones. The OS may round or (Linux) double the value; recv_buffer_size() reports it.
    void set_recv_buffer_size(std::size_t bytes) {
        detail::set_size(h_.require("weir::net::udp_socket::set_recv_buffer_size"),
                         detail::sock_option::recv_buffer, bytes,
                         "weir::net::udp_socket::set_recv_buffer_size");
    }
    std::size_t recv_buffer_size() const {
        return detail::get_size(h_.require("weir::net::udp_socket::recv_buffer_size"),
                                detail::sock_option::recv_buffer,
                                "weir::net::udp_socket::recv_buffer_size");
    }
    /// SO_SNDBUF, in bytes, as set_recv_buffer_size.
    void set_send_buffer_size(std::size_t bytes) {
        detail::set_size(h_.require("weir::net::udp_socket::set_send_buffer_size"),
                         detail::sock_option::send_buffer, bytes,
                         "weir::net::udp_socket::set_send_buffer_size");
    }
    std::size_t send_buffer_size() const {
        return detail::get_size(h_.require("weir::net::udp_socket::send_buffer_size"),
                                detail::sock_option::send_buffer,
                                "weir::net::udp_socket::send_buffer_size");
    }
    socket_address local_address() const {
        return weir::detail::sys_local_address(h_.require("weir::net::udp_socket::local_address"),
                                               "weir::net::udp_socket::local_address");
    }

private:
    struct kept_datagram {
        std::vector<std::byte> data;
        socket_address from;
    };
    /// io_awaiter's give_back for recv_from: the datagram waits for the next recv_from.
    static void keep_datagram(void* self, const weir::detail::io_op& op) {
        auto* b = static_cast<const std::byte*>(op.buf);
        kept_datagram d{std::vector<std::byte>(b, b + op.result),
                        weir::detail::sys_from_sockaddr(
                            *static_cast<const weir::detail::sockaddr_buf*>(op.addr))};
        static_cast<udp_socket*>(self)->kept_->push(std::move(d));
    }

    detail::socket_handle h_;
    /// Datagrams received for recv_froms that lost a race.
    std::unique_ptr<weir::detail::kept_queue<kept_datagram>> kept_;
};

}  // namespace weir::net

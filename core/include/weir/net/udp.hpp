// weir::net::udp_socket: datagrams through the runtime's I/O driver. bind (port 0: any free
// port), send_to and recv_from as tasks, cancellable like any await; OS errors as
// std::system_error. A datagram larger than the receive buffer is truncated, as with recvfrom.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>

#include "../detail/io_awaiter.hpp"
#include "../detail/net_sys.hpp"
#include "../task.hpp"
#include "socket_address.hpp"
#include "tcp.hpp"

namespace weir::net {

class udp_socket {
public:
    udp_socket() noexcept = default;

    /// A socket bound to addr (port 0: the OS picks one; see local_address()).
    static udp_socket bind(const socket_address& addr) {
        std::intptr_t fd = weir::detail::sys_socket(addr, weir::detail::socket_kind::datagram);
        weir::detail::sys_bind(fd, addr, 0, "weir::net::udp_socket::bind");  // or closes fd
        udp_socket u;
        u.h_ = detail::socket_handle(fd);
        return u;
    }

    /// Sends one datagram of buf to addr; gives the bytes sent.
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

    /// Receives one datagram into buf; gives its size and the sender's address.
    task<std::pair<std::size_t, socket_address>> recv_from(std::span<std::byte> buf) {
        weir::detail::sockaddr_buf sa{};
        std::uint32_t len = sizeof sa.bytes;
        auto op =
            detail::make_op(weir::detail::io_kind::recv_from,
                            h_.require("weir::net::udp_socket::recv_from"), buf.data(), buf.size());
        op.addr = sa.bytes;
        op.addrlen = &len;
        std::int64_t r = co_await weir::detail::io_awaiter{op};
        std::size_t n =
            static_cast<std::size_t>(weir::detail::check_io(r, "weir::net::udp_socket::recv_from"));
        co_return std::pair{n, weir::detail::sys_from_sockaddr(sa)};
    }

    socket_address local_address() const {
        return weir::detail::sys_local_address(h_.require("weir::net::udp_socket::local_address"),
                                               "weir::net::udp_socket::local_address");
    }

private:
    detail::socket_handle h_;
};

}  // namespace weir::net

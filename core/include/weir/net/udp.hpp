// weir::net::udp_socket: datagrams through the runtime's I/O driver. bind (port 0: any free
// port), send_to and recv_from as tasks, cancellable like any await (each says what a
// cancellation does to its data); OS errors as std::system_error. A datagram larger than the
// receive buffer is cut to it, as with recvfrom; recv_msg says so (datagram_info::truncated).
// connect() fixes a default peer for send and recv; peek_from looks without taking.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <system_error>
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

/// What udp_socket::recv_msg received.
struct datagram_info {
    std::size_t size = 0;  ///< bytes placed in the buffer
    socket_address from;   ///< the sender
    /// The datagram was larger than the buffer and was cut to it (its rest is gone: datagrams
    /// are not streams). Seen from the OS on every platform (MSG_TRUNC, IOCP's WSAEMSGSIZE).
    bool truncated = false;
};

class udp_socket {
public:
    udp_socket() noexcept = default;

    /// A socket bound to addr (port 0: the OS picks one; see local_address()).
    static udp_socket bind(const socket_address& addr) {
        const char* what = "weir::net::udp_socket::bind";
        detail::socket_handle h(
            weir::detail::sys_socket(addr, weir::detail::socket_kind::datagram));
        if (addr.is_ipv6())  // [::]:port takes IPv6 only, as tcp_listener's default
            detail::set_bool(h.get(), detail::sock_option::only_v6, true, what);
        std::intptr_t fd = h.release();
        weir::detail::sys_bind(fd, addr, weir::detail::no_listen, what);  // or closes fd
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
        std::uint32_t len = 0;
        auto op = recv_from_op(buf, sa, len, "weir::net::udp_socket::recv_from");
        if (kept_datagram d; kept_->pop(d)) {
            datagram_info i = from_kept(d, buf);
            co_return std::pair{i.size, i.from};
        }
        std::int64_t r = co_await weir::detail::io_awaiter{op, &keep_datagram, this};
        std::size_t n = fitted(r, buf.size(), "weir::net::udp_socket::recv_from");
        co_return std::pair{n, weir::detail::sys_from_sockaddr(sa)};
    }

    /// As recv_from, and says whether the datagram was cut to fit buf (datagram_info::truncated):
    /// a 1000-byte datagram into a 10-byte buffer gives size 10, truncated true.
    /// Cancel safe, as recv_from (a kept datagram keeps its truncated flag).
    task<datagram_info> recv_msg(std::span<std::byte> buf) {
        weir::detail::sockaddr_buf sa{};
        std::uint32_t len = 0;
        auto op = recv_from_op(buf, sa, len, "weir::net::udp_socket::recv_msg");
        if (kept_datagram d; kept_->pop(d)) co_return from_kept(d, buf);
        std::int64_t r = co_await weir::detail::io_awaiter{op, &keep_datagram, this};
        std::size_t n = fitted(r, buf.size(), "weir::net::udp_socket::recv_msg");
        co_return datagram_info{n, weir::detail::sys_from_sockaddr(sa),
                                static_cast<std::uint64_t>(r) > buf.size()};
    }

    /// Copies the next datagram into buf without taking it: the next recv_from (or peek_from)
    /// gets it again. Gives its size (cut to buf) and its sender.
    /// Cancel safe: a cancelled peek takes nothing.
    task<std::pair<std::size_t, socket_address>> peek_from(std::span<std::byte> buf) {
        weir::detail::sockaddr_buf sa{};
        std::uint32_t len = 0;
        auto op = recv_from_op(buf, sa, len, "weir::net::udp_socket::peek_from");
        op.flags = weir::detail::io_flag_peek;
        std::pair<std::size_t, socket_address> kept{};
        if (kept_->peek([&](const kept_datagram& d) noexcept {
                kept.first = std::min(d.data.size(), buf.size());
                if (kept.first) std::memcpy(buf.data(), d.data.data(), kept.first);
                kept.second = d.from;
            }))
            co_return kept;
        std::int64_t r = co_await weir::detail::io_awaiter{op};
        std::size_t n = fitted(r, buf.size(), "weir::net::udp_socket::peek_from");
        co_return std::pair{n, weir::detail::sys_from_sockaddr(sa)};
    }

    /// Sets the socket's default peer: send and recv then need no address, and the OS drops
    /// datagrams from anyone else. A plain synchronous call (no handshake: nothing is sent).
    /// Connecting again changes the peer. std::system_error if addr is of the other family.
    void connect(const socket_address& addr) {
        weir::detail::sys_connect_datagram(h_.require("weir::net::udp_socket::connect"), addr,
                                           "weir::net::udp_socket::connect");
    }
    /// The peer set by connect(); std::system_error (not connected) before.
    socket_address peer_address() const {
        return weir::detail::sys_peer_address(h_.require("weir::net::udp_socket::peer_address"),
                                              "weir::net::udp_socket::peer_address");
    }
    /// Sends one datagram of buf to the connected peer; gives the bytes sent. Before connect():
    /// std::system_error (destination address required). Cancel safety as send_to.
    task<std::size_t> send(std::span<const std::byte> buf) {
        auto op =
            detail::make_op(weir::detail::io_kind::send, h_.require("weir::net::udp_socket::send"),
                            const_cast<std::byte*>(buf.data()), buf.size());
        op.flags = weir::detail::io_flag_datagram;
        std::int64_t r = co_await weir::detail::io_awaiter{op};
        co_return static_cast<std::size_t>(
            weir::detail::check_io(r, "weir::net::udp_socket::send"));
    }
    /// Receives one datagram from the connected peer into buf (cut to buf, as recv_from); gives
    /// its size. Cancel safe, as recv_from.
    task<std::size_t> recv(std::span<std::byte> buf) {
        auto op =
            detail::make_op(weir::detail::io_kind::recv, h_.require("weir::net::udp_socket::recv"),
                            buf.data(), buf.size());
        op.flags = weir::detail::io_flag_datagram;
        if (kept_datagram d; kept_->pop(d)) co_return from_kept(d, buf).size;
        std::int64_t r = co_await weir::detail::io_awaiter{op, &keep_datagram, this};
        co_return fitted(r, buf.size(), "weir::net::udp_socket::recv");
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
        std::vector<std::byte> data;  // what fitted in the buffer of the receive that lost
        socket_address from;
        bool truncated = false;  // the datagram had more than data
    };
    /// A recv_from operation into buf; the sender's address goes to sa, its size to len (both
    /// in the caller's frame, where they live until the operation completes).
    weir::detail::io_op recv_from_op(std::span<std::byte> buf, weir::detail::sockaddr_buf& sa,
                                     std::uint32_t& len, const char* what) const {
        len = sizeof sa.bytes;
        auto op = detail::make_op(weir::detail::io_kind::recv_from, h_.require(what), buf.data(),
                                  buf.size());
        op.addr = sa.bytes;
        op.addrlen = &len;
        return op;
    }
    /// A datagram receive's result as the bytes now in a buffer of size cap: the driver gives
    /// the datagram's full size, which is larger when it was cut (detail/io.hpp).
    static std::size_t fitted(std::int64_t r, std::size_t cap, const char* what) {
        return std::min(static_cast<std::size_t>(weir::detail::check_io(r, what)), cap);
    }
    /// A kept datagram handed to a receive with buffer buf (cut again if buf is smaller).
    static datagram_info from_kept(const kept_datagram& d, std::span<std::byte> buf) noexcept {
        std::size_t n = std::min(d.data.size(), buf.size());
        if (n) std::memcpy(buf.data(), d.data.data(), n);
        return datagram_info{n, d.from, d.truncated || d.data.size() > buf.size()};
    }
    /// io_awaiter's give_back for the receives: the datagram waits for the next receive.
    static void keep_datagram(void* self, const weir::detail::io_op& op) {
        auto* b = static_cast<const std::byte*>(op.buf);
        auto full = static_cast<std::size_t>(op.result);
        std::size_t n = std::min(full, op.len);
        kept_datagram d{std::vector<std::byte>(b, b + n), socket_address{}, full > op.len};
        if (op.addr) {
            d.from = weir::detail::sys_from_sockaddr(
                *static_cast<const weir::detail::sockaddr_buf*>(op.addr));
        } else {  // a connected socket's recv: the sender is its peer
            try {
                d.from = weir::detail::sys_peer_address(op.handle, "");
            } catch (const std::system_error&) {  // no longer connected: leave it unset
            }
        }
        static_cast<udp_socket*>(self)->kept_->push(std::move(d));
    }

    detail::socket_handle h_;
    /// Datagrams received for recv_froms that lost a race.
    std::unique_ptr<weir::detail::kept_queue<kept_datagram>> kept_;
};

}  // namespace weir::net

// Socket options of weir::net, the ones a tokio::net / std::net user reaches for: keepalive,
// linger, buffer sizes, TTL, broadcast, reusing an address or a port, and shutting down one
// direction of a stream. They are plain synchronous calls on the socket (no I/O driver), so they
// behave the same under io_uring, Asio and IOCP. This header holds what the socket classes
// share: listen_options (chosen before bind), shutdown_how, and the calls behind their
// set_x()/x() members. OS errors surface as std::system_error; an option a platform does not
// have gives std::errc::not_supported (reuse_port on Windows).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>

#include "../detail/net_sys.hpp"

namespace weir::net {

/// Which direction tcp_stream::shutdown(how) ends.
enum class shutdown_how {
    read,   ///< no more reads: later reads give 0 (end of stream); what the peer sends is dropped
    write,  ///< no more writes: the peer's reads then see end of stream (shutdown() does this)
    both,
};

/// How tcp_listener::bind sets up its socket, before it binds.
struct listen_options {
    /// The queue of connections not yet accepted, as for listen(2); 0 is the OS's minimum.
    int backlog = 1024;
    /// SO_REUSEADDR: bind even while connections of an earlier listener on the port are in
    /// TIME_WAIT (a restarted server). On by default, as in tokio. No effect on Windows, where
    /// this is always allowed (its SO_REUSEADDR would let another socket take the port).
    bool reuse_address = true;
    /// SO_REUSEPORT: several listeners on one port, the kernel spreading connections over them
    /// (Linux, BSD). Every listener on the port must set it. std::errc::not_supported on Windows.
    bool reuse_port = false;
    /// IPV6_V6ONLY, for an IPv6 address: true (the default, on every OS) takes only IPv6
    /// connections, so "[::]:port" and "0.0.0.0:port" can be two listeners; false makes a
    /// dual-stack listener that also takes IPv4 connections, whose peers then show as
    /// IPv4-mapped IPv6 addresses ([::ffff:a.b.c.d]:port). Ignored for an IPv4 address.
    bool only_v6 = true;
};

namespace detail {
using weir::detail::sock_option;

inline void set_bool(std::intptr_t fd, sock_option o, bool on, const char* what) {
    weir::detail::sys_set_option(fd, o, on ? 1 : 0, what);
}
inline bool get_bool(std::intptr_t fd, sock_option o, const char* what) {
    return weir::detail::sys_get_option(fd, o, what) != 0;
}
/// A buffer size in bytes: at least 1, at most INT_MAX (what setsockopt takes).
inline void set_size(std::intptr_t fd, sock_option o, std::size_t bytes, const char* what) {
    if (bytes == 0 || bytes > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        throw std::invalid_argument(std::string(what) + ": size must be in [1, INT_MAX]");
    weir::detail::sys_set_option(fd, o, static_cast<int>(bytes), what);
}
inline std::size_t get_size(std::intptr_t fd, sock_option o, const char* what) {
    return static_cast<std::size_t>(weir::detail::sys_get_option(fd, o, what));
}
inline void set_ttl(std::intptr_t fd, std::uint32_t ttl, const char* what) {
    if (ttl == 0 || ttl > 255)
        throw std::invalid_argument(std::string(what) + ": ttl must be in [1, 255]");
    weir::detail::sys_set_option(fd, sock_option::ttl, static_cast<int>(ttl), what);
}
inline std::uint32_t get_ttl(std::intptr_t fd, const char* what) {
    return static_cast<std::uint32_t>(weir::detail::sys_get_option(fd, sock_option::ttl, what));
}
inline void set_linger(std::intptr_t fd, std::optional<std::chrono::seconds> d, const char* what) {
    if (d && (d->count() < 0 || d->count() > 65535))
        throw std::invalid_argument(std::string(what) + ": linger must be in [0 s, 65535 s]");
    weir::detail::sys_set_option(fd, sock_option::linger_seconds,
                                 d ? static_cast<int>(d->count()) : -1, what);
}
inline std::optional<std::chrono::seconds> get_linger(std::intptr_t fd, const char* what) {
    int v = weir::detail::sys_get_option(fd, sock_option::linger_seconds, what);
    if (v < 0) return std::nullopt;
    return std::chrono::seconds(v);
}
}  // namespace detail

}  // namespace weir::net

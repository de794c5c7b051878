// POSIX sockets for weir::net (detail/net_sys.hpp): the synchronous calls. The conversion to and
// from sockaddr is shared with Windows (backends/sockaddr).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "weir/detail/io.hpp"
#include "weir/detail/net_sys.hpp"

namespace weir::detail {

namespace {
[[noreturn]] void throw_errno(const char* what) {
    throw std::system_error(errno, std::system_category(), what);
}
}  // namespace

std::intptr_t sys_socket(const net::socket_address& like, socket_kind kind) {
    int type = (kind == socket_kind::stream ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC;
    int fd = ::socket(like.is_ipv6() ? AF_INET6 : AF_INET, type, 0);
    if (fd < 0) throw_errno("weir::net: socket");
    return fd;
}

void sys_bind(std::intptr_t fd, const net::socket_address& addr, int backlog, const char* what) {
    int s = static_cast<int>(fd);
    bool listener = backlog != no_listen;
    sockaddr_buf buf;
    socklen_t len = sys_to_sockaddr(addr, buf);
    if (::bind(s, reinterpret_cast<sockaddr*>(buf.bytes), len) < 0 ||
        (listener && ::listen(s, backlog) < 0)) {
        int err = errno;
        ::close(s);
        throw std::system_error(err, std::system_category(),
                                std::string(what) + " " + addr.to_string());
    }
}

net::socket_address sys_local_address(std::intptr_t fd, const char* what) {
    sockaddr_buf buf;
    socklen_t len = sizeof buf.bytes;
    if (::getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(buf.bytes), &len) < 0)
        throw_errno(what);
    return sys_from_sockaddr(buf);
}

net::socket_address sys_peer_address(std::intptr_t fd, const char* what) {
    sockaddr_buf buf;
    socklen_t len = sizeof buf.bytes;
    if (::getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(buf.bytes), &len) < 0)
        throw_errno(what);
    return sys_from_sockaddr(buf);
}

void sys_set_nodelay(std::intptr_t fd, bool on, const char* what) {
    int v = on ? 1 : 0;
    if (::setsockopt(static_cast<int>(fd), IPPROTO_TCP, TCP_NODELAY, &v, sizeof v) < 0)
        throw_errno(what);
}

namespace {
/// The level and name of option o on socket s.
std::pair<int, int> option_key(int s, sock_option o, const char* what) {
    switch (o) {
        case sock_option::nodelay:
            return {IPPROTO_TCP, TCP_NODELAY};
        case sock_option::keepalive:
            return {SOL_SOCKET, SO_KEEPALIVE};
        case sock_option::linger_seconds:
            return {SOL_SOCKET, SO_LINGER};
        case sock_option::recv_buffer:
            return {SOL_SOCKET, SO_RCVBUF};
        case sock_option::send_buffer:
            return {SOL_SOCKET, SO_SNDBUF};
        case sock_option::reuse_address:
            return {SOL_SOCKET, SO_REUSEADDR};
        case sock_option::broadcast:
            return {SOL_SOCKET, SO_BROADCAST};
        case sock_option::only_v6:
            return {IPPROTO_IPV6, IPV6_V6ONLY};
        case sock_option::reuse_port:
#ifdef SO_REUSEPORT
            return {SOL_SOCKET, SO_REUSEPORT};
#else
            throw std::system_error(std::make_error_code(std::errc::not_supported), what);
#endif
        case sock_option::ttl: {
            sockaddr_buf buf;
            socklen_t len = sizeof buf.bytes;
            if (::getsockname(s, reinterpret_cast<sockaddr*>(buf.bytes), &len) < 0)
                throw_errno(what);
            if (reinterpret_cast<sockaddr*>(buf.bytes)->sa_family == AF_INET6)
                return {IPPROTO_IPV6, IPV6_UNICAST_HOPS};
            return {IPPROTO_IP, IP_TTL};
        }
    }
    throw std::system_error(std::make_error_code(std::errc::invalid_argument), what);
}
}  // namespace

void sys_set_option(std::intptr_t fd, sock_option o, int value, const char* what) {
    int s = static_cast<int>(fd);
    auto [level, name] = option_key(s, o, what);
    int r;
    if (o == sock_option::linger_seconds) {
        ::linger l{};
        l.l_onoff = value >= 0 ? 1 : 0;
        l.l_linger = value >= 0 ? value : 0;
        r = ::setsockopt(s, level, name, &l, sizeof l);
    } else {
        r = ::setsockopt(s, level, name, &value, sizeof value);
    }
    if (r < 0) throw_errno(what);
}

int sys_get_option(std::intptr_t fd, sock_option o, const char* what) {
    int s = static_cast<int>(fd);
    auto [level, name] = option_key(s, o, what);
    if (o == sock_option::linger_seconds) {
        ::linger l{};
        socklen_t len = sizeof l;
        if (::getsockopt(s, level, name, &l, &len) < 0) throw_errno(what);
        return l.l_onoff ? l.l_linger : -1;
    }
    int v = 0;
    socklen_t len = sizeof v;
    if (::getsockopt(s, level, name, &v, &len) < 0) throw_errno(what);
    return v;
}

void sys_shutdown(std::intptr_t fd, shutdown_dir d, const char* what) {
    int how = d == shutdown_dir::read ? SHUT_RD : d == shutdown_dir::write ? SHUT_WR : SHUT_RDWR;
    if (::shutdown(static_cast<int>(fd), how) < 0) throw_errno(what);
}

void sys_shutdown_write(std::intptr_t fd, const char* what) {
    if (::shutdown(static_cast<int>(fd), SHUT_WR) < 0) throw_errno(what);
}

void sys_connect_datagram(std::intptr_t fd, const net::socket_address& addr, const char* what) {
    sockaddr_buf buf;
    socklen_t len = sys_to_sockaddr(addr, buf);
    if (::connect(static_cast<int>(fd), reinterpret_cast<sockaddr*>(buf.bytes), len) < 0)
        throw std::system_error(errno, std::system_category(),
                                std::string(what) + " " + addr.to_string());
}

std::intptr_t sys_unix_socket(const char* what) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw_errno(what);
    return fd;
}

std::uint32_t sys_unix_sockaddr(const std::string& path, sockaddr_buf& buf, const char* what) {
    sockaddr_un a{};
    static_assert(sizeof a <= sizeof buf.bytes);
    if (path.empty() || path.size() >= sizeof a.sun_path + (path[0] == '\0' ? 1 : 0))
        throw std::invalid_argument(std::string(what) + ": a Unix socket path must have 1 to " +
                                    std::to_string(sizeof a.sun_path - 1) + " bytes, not " +
                                    std::to_string(path.size()));
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, path.data(), path.size());
    std::memset(buf.bytes, 0, sizeof buf.bytes);
    std::memcpy(buf.bytes, &a, sizeof a);
    // An abstract name is exactly its bytes; a path is NUL-terminated.
    return static_cast<std::uint32_t>(offsetof(sockaddr_un, sun_path) + path.size() +
                                      (path[0] == '\0' ? 0 : 1));
}

void sys_bind_unix(std::intptr_t fd, const std::string& path, int backlog, const char* what) {
    sockaddr_buf buf;
    socklen_t len;
    try {
        len = sys_unix_sockaddr(path, buf, what);
    } catch (...) {
        ::close(static_cast<int>(fd));
        throw;
    }
    int s = static_cast<int>(fd);
    if (::bind(s, reinterpret_cast<sockaddr*>(buf.bytes), len) < 0 || ::listen(s, backlog) < 0) {
        int err = errno;
        ::close(s);
        std::string shown = path;
        if (shown[0] == '\0') shown[0] = '@';  // an abstract name
        throw std::system_error(err, std::system_category(), std::string(what) + " " + shown);
    }
}

std::string sys_unix_path(std::intptr_t fd, bool peer, const char* what) {
    sockaddr_un a{};
    socklen_t len = sizeof a;
    auto* sa = reinterpret_cast<sockaddr*>(&a);
    int r = peer ? ::getpeername(static_cast<int>(fd), sa, &len)
                 : ::getsockname(static_cast<int>(fd), sa, &len);
    if (r < 0) throw_errno(what);
    std::size_t off = offsetof(sockaddr_un, sun_path);
    if (len <= off) return "";  // unnamed (a connecting socket, or socketpair)
    std::size_t n = len - off;
    if (a.sun_path[0] != '\0') n = ::strnlen(a.sun_path, n);  // a path: up to its NUL
    return std::string(a.sun_path, n);
}

void sys_close(std::intptr_t fd) noexcept {
    if (fd >= 0 && !io_release_handle(fd)) ::close(static_cast<int>(fd));
}

}  // namespace weir::detail

// ---- Name resolution (detail/net_sys.hpp, net/resolve.hpp): getaddrinfo ----
#include <netdb.h>

#include <vector>

namespace weir::detail {

namespace {
net::resolve_errc resolve_errc_of(int gai) noexcept {
    switch (gai) {
        case EAI_NONAME:
            return net::resolve_errc::host_not_found;
#ifdef EAI_NODATA
        case EAI_NODATA:
            return net::resolve_errc::no_address;
#endif
#ifdef EAI_ADDRFAMILY
        case EAI_ADDRFAMILY:
            return net::resolve_errc::no_address;
#endif
        case EAI_AGAIN:
            return net::resolve_errc::try_again;
        case EAI_FAIL:
            return net::resolve_errc::failure;
        case EAI_MEMORY:
            return net::resolve_errc::out_of_memory;
        default:
            return net::resolve_errc::other;
    }
}
}  // namespace

std::vector<net::socket_address> sys_resolve(const std::string& host, std::uint16_t port,
                                             const char* what) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;      // IPv6 and IPv4, in the resolver's order (RFC 6724)
    hints.ai_socktype = SOCK_STREAM;  // one entry per address, not one per socket type
    addrinfo* list = nullptr;
    int r = ::getaddrinfo(host.c_str(), nullptr, &hints, &list);
    if (r != 0) {
        // EAI_SYSTEM: the reason is in errno (read before anything else can change it).
        std::string text = r == EAI_SYSTEM ? std::system_category().message(errno)
                                           : std::string(::gai_strerror(r));
        throw std::system_error(
            net::make_error_code(resolve_errc_of(r)),
            std::string(what) + " \"" + host + "\" (getaddrinfo: " + text + ")");
    }
    std::vector<net::socket_address> out;
    try {
        for (addrinfo* a = list; a; a = a->ai_next) {
            if ((a->ai_family != AF_INET && a->ai_family != AF_INET6) ||
                a->ai_addrlen > sizeof(sockaddr_buf::bytes))
                continue;
            sockaddr_buf buf{};
            std::memcpy(buf.bytes, a->ai_addr, a->ai_addrlen);
            net::socket_address s = sys_from_sockaddr(buf).with_port(port);
            bool seen = false;
            for (const auto& o : out) seen = seen || o == s;
            if (!seen) out.push_back(s);
        }
    } catch (...) {
        ::freeaddrinfo(list);
        throw;
    }
    ::freeaddrinfo(list);
    if (out.empty())
        throw std::system_error(net::make_error_code(net::resolve_errc::no_address),
                                std::string(what) + " \"" + host + "\" (no IPv4 or IPv6 address)");
    return out;
}

}  // namespace weir::detail

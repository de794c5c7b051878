// Winsock sockets for weir::net (detail/net_sys.hpp): the synchronous calls. Sockets are created
// overlapped (for the IOCP driver) and not inherited by child processes; Winsock is started once,
// on first use.
// winsock2.h must come first
// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <afunix.h>  // AF_UNIX (Windows 10 1803 and later)
// clang-format on

#include <cstddef>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "weir/detail/io.hpp"
#include "weir/detail/net_sys.hpp"
#include "win_errors.hpp"

namespace weir::detail {

namespace {
void start_winsock() {
    static std::once_flag once;
    static int status = 0;
    std::call_once(once, [] {
        WSADATA data;
        status = ::WSAStartup(MAKEWORD(2, 2), &data);
    });
    if (status != 0) throw_windows_error(status, "weir::net: WSAStartup");
}
[[noreturn]] void throw_last(const std::string& what) {
    throw_windows_error(::WSAGetLastError(), what);
}
SOCKET sock(std::intptr_t h) noexcept { return static_cast<SOCKET>(h); }
}  // namespace

std::intptr_t sys_socket(const net::socket_address& like, socket_kind kind) {
    start_winsock();
    int type = kind == socket_kind::stream ? SOCK_STREAM : SOCK_DGRAM;
    int proto = kind == socket_kind::stream ? IPPROTO_TCP : IPPROTO_UDP;
    SOCKET s = ::WSASocketW(like.is_ipv6() ? AF_INET6 : AF_INET, type, proto, nullptr, 0,
                            WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET) throw_last("weir::net: socket");
    return static_cast<std::intptr_t>(s);
}

void sys_bind(std::intptr_t h, const net::socket_address& addr, int backlog, const char* what) {
    SOCKET s = sock(h);
    // No SO_REUSEADDR: on Windows it would let another socket take the port.
    sockaddr_buf buf;
    int len = static_cast<int>(sys_to_sockaddr(addr, buf));
    if (::bind(s, reinterpret_cast<sockaddr*>(buf.bytes), len) != 0 ||
        (backlog != no_listen && ::listen(s, backlog) != 0)) {
        int err = ::WSAGetLastError();
        ::closesocket(s);
        throw_windows_error(err, std::string(what) + " " + addr.to_string());
    }
}

net::socket_address sys_local_address(std::intptr_t h, const char* what) {
    sockaddr_buf buf;
    int len = sizeof buf.bytes;
    if (::getsockname(sock(h), reinterpret_cast<sockaddr*>(buf.bytes), &len) != 0) throw_last(what);
    return sys_from_sockaddr(buf);
}

net::socket_address sys_peer_address(std::intptr_t h, const char* what) {
    sockaddr_buf buf;
    int len = sizeof buf.bytes;
    if (::getpeername(sock(h), reinterpret_cast<sockaddr*>(buf.bytes), &len) != 0) throw_last(what);
    return sys_from_sockaddr(buf);
}

void sys_set_nodelay(std::intptr_t h, bool on, const char* what) {
    BOOL v = on ? TRUE : FALSE;
    if (::setsockopt(sock(h), IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&v),
                     sizeof v) != 0)
        throw_last(what);
}

namespace {
/// The level and name of option o on socket s; {0, 0} for reuse_address, which Windows does not
/// need (a listener may always bind over connections in TIME_WAIT; its SO_REUSEADDR would let
/// another socket take the port).
std::pair<int, int> option_key(SOCKET s, sock_option o, const char* what) {
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
        case sock_option::broadcast:
            return {SOL_SOCKET, SO_BROADCAST};
        case sock_option::only_v6:
            return {IPPROTO_IPV6, IPV6_V6ONLY};
        case sock_option::reuse_address:
            return {0, 0};
        case sock_option::reuse_port:
            throw std::system_error(std::make_error_code(std::errc::not_supported),
                                    std::string(what) + ": Windows has no SO_REUSEPORT");
        case sock_option::ttl: {
            sockaddr_buf buf;
            int len = sizeof buf.bytes;
            if (::getsockname(s, reinterpret_cast<sockaddr*>(buf.bytes), &len) != 0)
                throw_last(what);
            if (reinterpret_cast<sockaddr*>(buf.bytes)->sa_family == AF_INET6)
                return {IPPROTO_IPV6, IPV6_UNICAST_HOPS};
            return {IPPROTO_IP, IP_TTL};
        }
    }
    throw std::system_error(std::make_error_code(std::errc::invalid_argument), what);
}
}  // namespace

void sys_set_option(std::intptr_t h, sock_option o, int value, const char* what) {
    SOCKET s = sock(h);
    auto [level, name] = option_key(s, o, what);
    if (level == 0 && name == 0) return;
    int r;
    if (o == sock_option::linger_seconds) {
        ::linger l{};
        l.l_onoff = value >= 0 ? 1 : 0;
        l.l_linger = static_cast<u_short>(value >= 0 ? value : 0);
        r = ::setsockopt(s, level, name, reinterpret_cast<const char*>(&l), sizeof l);
    } else {
        DWORD v = static_cast<DWORD>(value);
        r = ::setsockopt(s, level, name, reinterpret_cast<const char*>(&v), sizeof v);
    }
    if (r != 0) throw_last(what);
}

int sys_get_option(std::intptr_t h, sock_option o, const char* what) {
    SOCKET s = sock(h);
    auto [level, name] = option_key(s, o, what);
    if (level == 0 && name == 0) return 1;  // reuse_address: in effect, see option_key
    if (o == sock_option::linger_seconds) {
        ::linger l{};
        int len = sizeof l;
        if (::getsockopt(s, level, name, reinterpret_cast<char*>(&l), &len) != 0) throw_last(what);
        return l.l_onoff ? l.l_linger : -1;
    }
    DWORD v = 0;
    int len = sizeof v;
    if (::getsockopt(s, level, name, reinterpret_cast<char*>(&v), &len) != 0) throw_last(what);
    return static_cast<int>(v);
}

void sys_shutdown(std::intptr_t h, shutdown_dir d, const char* what) {
    int how = d == shutdown_dir::read ? SD_RECEIVE : d == shutdown_dir::write ? SD_SEND : SD_BOTH;
    if (::shutdown(sock(h), how) != 0) throw_last(what);
}

void sys_shutdown_write(std::intptr_t h, const char* what) {
    if (::shutdown(sock(h), SD_SEND) != 0) throw_last(what);
}

void sys_connect_datagram(std::intptr_t h, const net::socket_address& addr, const char* what) {
    sockaddr_buf buf;
    int len = static_cast<int>(sys_to_sockaddr(addr, buf));
    if (::connect(sock(h), reinterpret_cast<sockaddr*>(buf.bytes), len) != 0)
        throw_windows_error(::WSAGetLastError(), std::string(what) + " " + addr.to_string());
}

std::intptr_t sys_unix_socket(const char* what) {
    start_winsock();
    SOCKET s = ::WSASocketW(AF_UNIX, SOCK_STREAM, 0, nullptr, 0,
                            WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET) throw_last(what);
    return static_cast<std::intptr_t>(s);
}

std::uint32_t sys_unix_sockaddr(const std::string& path, sockaddr_buf& buf, const char* what) {
    sockaddr_un a{};
    static_assert(sizeof a <= sizeof buf.bytes);
    if (path.empty() || path[0] == '\0' || path.size() >= sizeof a.sun_path)
        throw std::invalid_argument(std::string(what) + ": a Unix socket path must have 1 to " +
                                    std::to_string(sizeof a.sun_path - 1) +
                                    " bytes (no abstract names on Windows), not " +
                                    std::to_string(path.size()));
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, path.data(), path.size());
    std::memset(buf.bytes, 0, sizeof buf.bytes);
    std::memcpy(buf.bytes, &a, sizeof a);
    return static_cast<std::uint32_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
}

void sys_bind_unix(std::intptr_t h, const std::string& path, int backlog, const char* what) {
    SOCKET s = sock(h);
    sockaddr_buf buf;
    int len;
    try {
        len = static_cast<int>(sys_unix_sockaddr(path, buf, what));
    } catch (...) {
        ::closesocket(s);
        throw;
    }
    if (::bind(s, reinterpret_cast<sockaddr*>(buf.bytes), len) != 0 || ::listen(s, backlog) != 0) {
        int err = ::WSAGetLastError();
        ::closesocket(s);
        throw_windows_error(err, std::string(what) + " " + path);
    }
}

std::string sys_unix_path(std::intptr_t h, bool peer, const char* what) {
    sockaddr_un a{};
    int len = sizeof a;
    auto* sa = reinterpret_cast<sockaddr*>(&a);
    int r = peer ? ::getpeername(sock(h), sa, &len) : ::getsockname(sock(h), sa, &len);
    if (r != 0) throw_last(what);
    std::size_t off = offsetof(sockaddr_un, sun_path);
    if (static_cast<std::size_t>(len) <= off) return "";
    return std::string(a.sun_path, ::strnlen(a.sun_path, static_cast<std::size_t>(len) - off));
}

void sys_close(std::intptr_t h) noexcept {
    if (h >= 0 && !io_release_handle(h)) ::closesocket(sock(h));
}

}  // namespace weir::detail

// ---- Name resolution (detail/net_sys.hpp, net/resolve.hpp): GetAddrInfoW ----
// The wide version, so that a UTF-8 host name (an internationalised one) reaches the resolver
// intact whatever the process's code page.
#include <cstring>
#include <vector>

namespace weir::detail {

namespace {
net::resolve_errc resolve_errc_of(int wsa) noexcept {
    switch (wsa) {
        case WSAHOST_NOT_FOUND:
            return net::resolve_errc::host_not_found;
        case WSANO_DATA:
            return net::resolve_errc::no_address;
        case WSATRY_AGAIN:
            return net::resolve_errc::try_again;
        case WSANO_RECOVERY:
            return net::resolve_errc::failure;
        case WSA_NOT_ENOUGH_MEMORY:
            return net::resolve_errc::out_of_memory;
        default:
            return net::resolve_errc::other;
    }
}

/// Windows' text for a Winsock error code, with its number ("No such host is known. (11001)").
std::string winsock_message(int code) {
    char buf[512];
    DWORD n = ::FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr,
                               static_cast<DWORD>(code), 0, buf, sizeof buf, nullptr);
    while (n > 0 && (buf[n - 1] == '\r' || buf[n - 1] == '\n' || buf[n - 1] == ' ')) --n;
    std::string text(buf, n);
    if (text.empty()) text = "Winsock error";
    return text + " (" + std::to_string(code) + ")";
}

std::wstring widen_host(const std::string& s) {
    if (s.empty()) return {};
    int n = ::MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), nullptr, 0);
    if (n <= 0) return {};
    std::wstring w(static_cast<std::size_t>(n), L'\0');
    ::MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), w.data(), n);
    return w;
}
}  // namespace

std::vector<net::socket_address> sys_resolve(const std::string& host, std::uint16_t port,
                                             const char* what) {
    start_winsock();
    ADDRINFOW hints{};
    hints.ai_family = AF_UNSPEC;      // IPv6 and IPv4, in the resolver's order
    hints.ai_socktype = SOCK_STREAM;  // one entry per address, not one per socket type
    hints.ai_protocol = IPPROTO_TCP;
    ADDRINFOW* list = nullptr;
    std::wstring whost = widen_host(host);
    int r = ::GetAddrInfoW(whost.c_str(), nullptr, &hints, &list);
    if (r != 0)
        throw std::system_error(
            net::make_error_code(resolve_errc_of(r)),
            std::string(what) + " \"" + host + "\" (GetAddrInfoW: " + winsock_message(r) + ")");
    std::vector<net::socket_address> out;
    try {
        for (ADDRINFOW* a = list; a; a = a->ai_next) {
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
        ::FreeAddrInfoW(list);
        throw;
    }
    ::FreeAddrInfoW(list);
    if (out.empty())
        throw std::system_error(net::make_error_code(net::resolve_errc::no_address),
                                std::string(what) + " \"" + host + "\" (no IPv4 or IPv6 address)");
    return out;
}

}  // namespace weir::detail

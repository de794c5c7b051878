// Winsock sockets for weir::net (detail/net_sys.hpp): the synchronous calls. Sockets are created
// overlapped (for the IOCP driver) and not inherited by child processes; Winsock is started once,
// on first use.
#include <winsock2.h>
#include <ws2tcpip.h>

#include <mutex>
#include <string>
#include <system_error>

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
    if (addr.is_ipv6()) {
        DWORD one = 1;  // [::]:port means IPv6 only, as on Linux
        ::setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, reinterpret_cast<const char*>(&one), sizeof one);
    }
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

void sys_shutdown_write(std::intptr_t h, const char* what) {
    if (::shutdown(sock(h), SD_SEND) != 0) throw_last(what);
}

void sys_close(std::intptr_t h) noexcept {
    if (h >= 0 && !io_release_handle(h)) ::closesocket(sock(h));
}

}  // namespace weir::detail

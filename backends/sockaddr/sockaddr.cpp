// Conversion between weir::net::socket_address and the BSD socket structures (sockaddr_in,
// sockaddr_in6), which POSIX and Winsock share; only the headers differ.
#ifdef _WIN32
// winsock2.h must come first
// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <iphlpapi.h>  // if_nametoindex (netioapi.h), after winsock2.h
// clang-format on
#else
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#endif

#include <array>
#include <cstdint>
#include <cstring>
#include <string>

#include "weir/detail/net_sys.hpp"

namespace weir::detail {

std::uint32_t sys_to_sockaddr(const net::socket_address& addr, sockaddr_buf& buf) noexcept {
    std::memset(buf.bytes, 0, sizeof buf.bytes);
    if (addr.is_ipv6()) {
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(addr.port());
        std::memcpy(&a.sin6_addr, addr.bytes().data(), 16);
        a.sin6_scope_id = addr.scope_id();
        std::memcpy(buf.bytes, &a, sizeof a);
        return sizeof a;
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(addr.port());
    std::memcpy(&a.sin_addr, addr.bytes().data(), 4);
    std::memcpy(buf.bytes, &a, sizeof a);
    return sizeof a;
}

net::socket_address sys_from_sockaddr(const sockaddr_buf& buf) noexcept {
    decltype(sockaddr{}.sa_family) family;
    std::memcpy(&family, buf.bytes, sizeof family);
    if (family == AF_INET6) {
        sockaddr_in6 a;
        std::memcpy(&a, buf.bytes, sizeof a);
        std::array<std::uint8_t, 16> b;
        std::memcpy(b.data(), &a.sin6_addr, 16);
        return net::socket_address::ipv6(b, ntohs(a.sin6_port),
                                         static_cast<std::uint32_t>(a.sin6_scope_id));
    }
    sockaddr_in a;
    std::memcpy(&a, buf.bytes, sizeof a);
    const auto* p = reinterpret_cast<const std::uint8_t*>(&a.sin_addr);
    return net::socket_address::ipv4(p[0], p[1], p[2], p[3], ntohs(a.sin_port));
}

std::uint32_t sys_interface_index(const std::string& name) noexcept {
    return static_cast<std::uint32_t>(::if_nametoindex(name.c_str()));
}

}  // namespace weir::detail

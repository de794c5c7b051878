// The synchronous socket calls weir::net needs (create, bind, listen, addresses, options, close),
// declared without OS types so that core/ stays platform-free; each platform implements them in
// backends/ (posix_net natively, no_net where there are no sockets, which throws
// std::errc::function_not_supported). Asynchronous work (accept, connect, send, recv) goes
// through the runtime's I/O driver instead (detail/io.hpp). Errors throw std::system_error with
// the OS error code.
#pragma once

#include <cstdint>
#include <string>

#include "../net/socket_address.hpp"

namespace weir::detail {

/// Room for any socket address of the platform (a sockaddr_storage), for io_op::addr.
struct alignas(8) sockaddr_buf {
    unsigned char bytes[128];
};

enum class socket_kind : std::uint8_t { stream, datagram };

/// A new non-inheritable socket for addresses like `like` (IPv4 or IPv6).
std::intptr_t sys_socket(const net::socket_address& like, socket_kind kind);
/// sys_bind's backlog for a socket that does not listen (datagrams).
constexpr int no_listen = -1;
/// bind, then listen(backlog) unless backlog is no_listen. backlog 0 is a valid listen backlog.
/// Closes fd on failure. (Options such as SO_REUSEADDR and IPV6_V6ONLY are set before, with
/// sys_set_option.)
void sys_bind(std::intptr_t fd, const net::socket_address& addr, int backlog, const char* what);
net::socket_address sys_local_address(std::intptr_t fd, const char* what);
net::socket_address sys_peer_address(std::intptr_t fd, const char* what);
void sys_set_nodelay(std::intptr_t fd, bool on, const char* what);
/// The socket options weir::net offers, named once for every platform (socket_options.hpp says
/// what each means to a user).
enum class sock_option : std::uint8_t {
    nodelay,         // TCP_NODELAY, 0 or 1
    keepalive,       // SO_KEEPALIVE, 0 or 1
    linger_seconds,  // SO_LINGER: -1 off, else seconds
    recv_buffer,     // SO_RCVBUF, bytes
    send_buffer,     // SO_SNDBUF, bytes
    ttl,             // IP_TTL, or IPV6_UNICAST_HOPS on an IPv6 socket
    reuse_address,   // SO_REUSEADDR (no effect on Windows, which always allows it for listeners)
    reuse_port,      // SO_REUSEPORT (std::errc::not_supported where there is none)
    broadcast,       // SO_BROADCAST, 0 or 1
    only_v6,         // IPV6_V6ONLY, 0 or 1 (IPv6 sockets only)
};
void sys_set_option(std::intptr_t fd, sock_option o, int value, const char* what);
int sys_get_option(std::intptr_t fd, sock_option o, const char* what);
enum class shutdown_dir : std::uint8_t { read, write, both };
void sys_shutdown(std::intptr_t fd, shutdown_dir d, const char* what);
/// Shuts down the sending side (the peer reads end of stream).
void sys_shutdown_write(std::intptr_t fd, const char* what);
/// connect(2) on a datagram socket: no handshake, it only sets the default peer (and filters
/// what the socket receives to datagrams from it), so it is a plain synchronous call.
void sys_connect_datagram(std::intptr_t fd, const net::socket_address& addr, const char* what);
void sys_close(std::intptr_t fd) noexcept;

// Unix-domain stream sockets (weir::net::unix_stream). A path starting with '\0' names a Linux
// abstract socket (no file). std::invalid_argument for an empty path or one longer than the
// platform's sun_path holds.
/// A new non-inheritable AF_UNIX stream socket.
std::intptr_t sys_unix_socket(const char* what);
/// path as a sockaddr_un in buf; returns its length.
std::uint32_t sys_unix_sockaddr(const std::string& path, sockaddr_buf& buf, const char* what);
/// bind to path, then listen(backlog). Closes fd on failure.
void sys_bind_unix(std::intptr_t fd, const std::string& path, int backlog, const char* what);
/// The path a Unix socket is bound to (local) or connected to (peer); "" if it has none.
std::string sys_unix_path(std::intptr_t fd, bool peer, const char* what);
/// Converts to the platform's sockaddr in buf; returns its length.
std::uint32_t sys_to_sockaddr(const net::socket_address& addr, sockaddr_buf& buf) noexcept;
net::socket_address sys_from_sockaddr(const sockaddr_buf& buf) noexcept;

}  // namespace weir::detail

// ---- Name resolution (net/resolve.hpp) ----
// getaddrinfo blocks (it may ask a name server), so net::lookup_host calls this on the runtime's
// blocking pool, never on a worker.
#include <string>
#include <vector>

#include "../net/resolve_error.hpp"

namespace weir::detail {

/// The addresses of host (a name or a numeric address, without brackets or port) for a TCP
/// socket, each with port, IPv6 and IPv4 in the resolver's order, duplicates removed; never
/// empty. A name that does not resolve throws std::system_error with a net::resolve_errc code
/// whose message names what and host and gives the OS's text (gai_strerror, or Winsock's).
std::vector<net::socket_address> sys_resolve(const std::string& host, std::uint16_t port,
                                             const char* what);

}  // namespace weir::detail

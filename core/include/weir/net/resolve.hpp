// weir::net name resolution: lookup_host turns "localhost:80", ("example.com", 443) or a literal
// address into socket_addresses, and tcp_connect connects to the first of them that accepts, as
// tokio::net::lookup_host and TcpStream::connect(&str) do.
// Why it is built so: the OS resolver (getaddrinfo) blocks, for as long as a name server takes,
// and no I/O driver makes it asynchronous, so it runs on the runtime's blocking pool
// (spawn_blocking), never on a worker; a literal address is parsed here and never reaches the
// pool. The call itself is a detail/net_sys.hpp declaration implemented per platform
// (backends/posix_net, win_net, no_net), because core/ includes no OS header. A lookup that is
// cancelled (weir::timeout, select, with_cancellation) returns at once: the pool thread finishes
// getaddrinfo in the background and the blocking job, which owns its copy of the host and its
// result, drops the addresses. Failures: std::invalid_argument for text that is not host:port,
// std::system_error with a resolve_errc code (net/resolve_error.hpp) for a name that does not
// resolve.
#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "../detail/net_sys.hpp"
#include "../spawn.hpp"
#include "../task.hpp"
#include "resolve_error.hpp"
#include "socket_address.hpp"
#include "tcp.hpp"

namespace weir::net {

namespace detail {

[[noreturn]] inline void bad_host_text(const char* what, std::string_view text, const char* why) {
    throw std::invalid_argument(std::string(what) + "(\"" + std::string(text) + "\"): " + why);
}

/// A host (name or literal address, without brackets) and a port.
struct host_and_port {
    std::string host;
    std::uint16_t port = 0;
    bool bracketed = false;  // written as [v6]: must be an IPv6 literal
};

/// Splits "host:port" or "[v6]:port"; std::invalid_argument naming text if the port is missing
/// or is not a decimal number 0..65535, or if an IPv6 address is written without brackets.
inline host_and_port split_host_port(std::string_view text, const char* what) {
    host_and_port out;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        std::size_t close = text.find(']');
        if (close == std::string_view::npos)
            bad_host_text(what, text, "missing ']' after the IPv6 address");
        out.host = std::string(text.substr(1, close - 1));
        out.bracketed = true;
        std::string_view rest = text.substr(close + 1);
        if (rest.empty() || rest.front() != ':') bad_host_text(what, text, "missing ':port'");
        port = rest.substr(1);
    } else {
        std::size_t colon = text.rfind(':');
        if (colon == std::string_view::npos) bad_host_text(what, text, "missing ':port'");
        out.host = std::string(text.substr(0, colon));
        if (out.host.find(':') != std::string::npos)
            bad_host_text(what, text, "an IPv6 address must be written in brackets: [addr]:port");
        port = text.substr(colon + 1);
    }
    unsigned long p = 0;
    bool ok = !port.empty() && port.size() <= 5;
    for (char c : port) {
        ok = ok && c >= '0' && c <= '9';
        if (ok) p = p * 10 + static_cast<unsigned long>(c - '0');
    }
    if (!ok || p > 65535) bad_host_text(what, text, "the port must be a number 0..65535");
    out.port = static_cast<std::uint16_t>(p);
    return out;
}

/// The address if h.host is a literal IPv4 or IPv6 address (no lookup needed), else nothing.
/// std::invalid_argument naming text for an empty host, a NUL in it, or brackets or a ':' around
/// something that is not an IPv6 address.
inline std::optional<socket_address> literal_address(const host_and_port& h, std::string_view text,
                                                     const char* what) {
    if (h.host.empty()) bad_host_text(what, text, "missing host");
    if (h.host.find('\0') != std::string::npos) bad_host_text(what, text, "NUL in the host");
    if (h.bracketed || h.host.find(':') != std::string::npos) {  // names never hold a ':'
        try {
            return socket_address::parse("[" + h.host + "]:0").with_port(h.port);
        } catch (const std::invalid_argument&) {
            bad_host_text(what, text, "not a valid IPv6 address");
        }
    }
    // A dotted quad is parsed here; anything else (names, and the legacy forms such as "127.1"
    // that the OS resolver accepts) goes to the resolver.
    if (h.host.find_first_not_of("0123456789.") == std::string::npos) {
        try {
            return socket_address::parse(h.host + ":0").with_port(h.port);
        } catch (const std::invalid_argument&) {
        }
    }
    return std::nullopt;
}

/// Resolves h on the blocking pool (a literal without it).
inline task<std::vector<socket_address>> lookup(host_and_port h, std::string text) {
    const char* what = "weir::net::lookup_host";
    if (auto lit = literal_address(h, text, what)) co_return std::vector<socket_address>{*lit};
    // Named, not written inside the co_await: see spawn_blocking about g++ 12 and lambdas. It
    // owns its copy of the host, for it may outlive this task (a cancelled lookup).
    auto resolver = [host = std::move(h.host), port = h.port] {
        return weir::detail::sys_resolve(host, port, "weir::net::lookup_host");
    };
    co_return co_await spawn_blocking(std::move(resolver));
}

/// host given alone (a name, a literal IPv4 address, an IPv6 one with or without brackets).
inline host_and_port host_alone(std::string_view host, std::uint16_t port) {
    host_and_port h{std::string(host), port};
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        h.host = std::string(host.substr(1, host.size() - 2));
        h.bracketed = true;
    }
    return h;
}

inline task<std::vector<socket_address>> lookup_text(std::string text) {
    host_and_port h = split_host_port(text, "weir::net::lookup_host");
    co_return co_await lookup(std::move(h), std::move(text));
}

/// Connects to each address in turn; the first that connects wins, else the last error.
inline task<tcp_stream> connect_first(std::vector<socket_address> addrs) {
    std::exception_ptr last;
    for (const socket_address& a : addrs) {
        try {
            co_return co_await tcp_stream::connect(a);
        } catch (const std::system_error&) {  // not operation_cancelled: that ends the loop
            last = std::current_exception();
        }
    }
    if (!last)
        throw std::system_error(make_error_code(resolve_errc::no_address),
                                "weir::net::tcp_connect: no address to connect to");
    std::rethrow_exception(last);
}

inline task<tcp_stream> connect_text(std::string text) {
    std::vector<socket_address> addrs = co_await lookup_text(std::move(text));
    co_return co_await connect_first(std::move(addrs));
}

inline task<tcp_stream> connect_host(host_and_port h, std::string text) {
    std::vector<socket_address> addrs = co_await lookup(std::move(h), std::move(text));
    co_return co_await connect_first(std::move(addrs));
}

}  // namespace detail

/// The addresses of "host:port": a name ("localhost:80", resolved by the OS: hosts file, DNS),
/// a literal IPv4 address ("127.0.0.1:80") or a literal IPv6 one in brackets ("[::1]:80"); a
/// literal is parsed here, without a lookup. IPv6 and IPv4 addresses come in the resolver's
/// order (the one to try first, first), duplicates removed, each with the port; never empty.
/// The lookup runs on the runtime's blocking pool (getaddrinfo blocks), so a worker never waits
/// for a name server.
/// Errors (at the co_await): std::invalid_argument naming the text if the port is missing or
/// not a decimal 0..65535, the host is empty, or an IPv6 address lacks its brackets or is not
/// valid; std::system_error with a resolve_errc code (category "weir.resolve"; host_not_found
/// for a name that does not exist) naming the host and giving the OS's reason, if the name does
/// not resolve; std::errc::function_not_supported where the platform has no resolver
/// (WebAssembly: literals still work there).
/// Cancel safe: a cancelled lookup throws at once; the pool thread finishes the OS call in the
/// background and drops its result.
inline task<std::vector<socket_address>> lookup_host(std::string_view host_port) {
    return detail::lookup_text(std::string(host_port));
}

/// The addresses of host with port: as lookup_host("host:port"), but host is given alone, as a
/// name ("example.com"), a literal IPv4 address, or a literal IPv6 address with or without
/// brackets ("::1", "[::1]").
inline task<std::vector<socket_address>> lookup_host(std::string_view host, std::uint16_t port) {
    return detail::lookup(detail::host_alone(host, port), std::string(host));
}

/// Resolves "host:port" (lookup_host) and connects to each address in turn until one accepts,
/// as tokio's TcpStream::connect(&str) does: with "localhost:8080" a server listening on either
/// ::1 or 127.0.0.1 is reached. If every address fails, throws the last address's error (a
/// std::system_error such as std::errc::connection_refused, naming that address); lookup errors
/// are lookup_host's.
/// Cancel safety: a cancel during the lookup is lookup_host's; during a connect attempt it is
/// tcp_stream::connect's (no later address is tried).
inline task<tcp_stream> tcp_connect(std::string_view host_port) {
    return detail::connect_text(std::string(host_port));
}

/// tcp_connect to host (a name, or a literal address: lookup_host(host, port)) on port.
inline task<tcp_stream> tcp_connect(std::string_view host, std::uint16_t port) {
    return detail::connect_host(detail::host_alone(host, port), std::string(host));
}

}  // namespace weir::net

// weir::net::socket_address: an IPv4 or IPv6 address with a port, as text "127.0.0.1:8080" or
// "[::1]:0". Parsing and formatting are done here, without the OS (core/ includes no OS header),
// so they behave the same natively and in WebAssembly; the I/O backends convert to sockaddr.
// Text forms: IPv4 dotted quad (decimal, no leading zeros); IPv6 in brackets with "::"
// compression and an optional dotted IPv4 tail; the port is required (0..65535; 0 asks bind for
// any free port). to_string() gives the canonical form (RFC 5952 for IPv6). An IPv6 address may
// carry a scope (zone) id, which link-local addresses (fe80::/10) need to say which interface
// they are on: "[fe80::1%2]:80" by index, or "[fe80::1%eth0]:80" by interface name (looked up
// in the OS by the backends: the one part of parsing that is not done here); to_string()
// writes the index.
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace weir::detail {
/// The index of the network interface called name (if_nametoindex), 0 if there is none (or no
/// networking on this platform). In backends/sockaddr and backends/no_net.
std::uint32_t sys_interface_index(const std::string& name) noexcept;
}  // namespace weir::detail

namespace weir::net {

class socket_address {
public:
    /// 0.0.0.0:0.
    socket_address() noexcept = default;
    /// An IPv4 address a.b.c.d:port.
    static socket_address ipv4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d,
                               std::uint16_t port) noexcept {
        socket_address s;
        s.bytes_ = {a, b, c, d};
        s.port_ = port;
        return s;
    }
    /// An IPv6 address from its 16 bytes (network order), a port, and a scope (zone) id: the
    /// index of the interface a link-local address is on (0: none).
    static socket_address ipv6(const std::array<std::uint8_t, 16>& bytes, std::uint16_t port,
                               std::uint32_t scope_id = 0) noexcept {
        socket_address s;
        s.bytes_ = bytes;
        s.port_ = port;
        s.v6_ = true;
        s.scope_id_ = scope_id;
        return s;
    }

    /// Parses "a.b.c.d:port", "[ipv6]:port" or "[ipv6%zone]:port" (zone: an interface index or
    /// name); throws std::invalid_argument (naming the text and what is wrong with it) on
    /// anything else, including an interface name the OS does not know.
    static socket_address parse(std::string_view text) {
        socket_address s;
        std::string_view host, port;
        if (!text.empty() && text.front() == '[') {
            std::size_t close = text.find(']');
            if (close == std::string_view::npos) fail(text, "missing ']' after the IPv6 address");
            host = text.substr(1, close - 1);
            std::string_view rest = text.substr(close + 1);
            if (rest.empty() || rest.front() != ':') fail(text, "missing ':port' after ']'");
            port = rest.substr(1);
            if (std::size_t pct = host.find('%'); pct != std::string_view::npos) {
                s.scope_id_ = parse_zone(text, host.substr(pct + 1));
                host = host.substr(0, pct);
            }
            if (!parse_v6(host, s.bytes_)) fail(text, "not a valid IPv6 address");
            s.v6_ = true;
        } else {
            std::size_t colon = text.rfind(':');
            if (colon == std::string_view::npos) fail(text, "missing ':port'");
            host = text.substr(0, colon);
            if (host.find(':') != std::string_view::npos)
                fail(text, "an IPv6 address must be written in brackets: [addr]:port");
            port = text.substr(colon + 1);
            if (!parse_v4(host, s.bytes_.data())) fail(text, "not a valid IPv4 address");
        }
        unsigned long p = 0;
        if (!parse_decimal(port, 65535, p)) fail(text, "the port must be a number 0..65535");
        s.port_ = static_cast<std::uint16_t>(p);
        return s;
    }

    std::uint16_t port() const noexcept { return port_; }
    bool is_ipv6() const noexcept { return v6_; }
    bool is_ipv4() const noexcept { return !v6_; }
    /// The IPv6 scope (zone) id: the index of the interface a link-local address is on; 0 for
    /// none, and always 0 for IPv4.
    std::uint32_t scope_id() const noexcept { return scope_id_; }
    /// The same address with another scope id (ignored for IPv4).
    socket_address with_scope_id(std::uint32_t id) const noexcept {
        socket_address s = *this;
        if (v6_) s.scope_id_ = id;
        return s;
    }
    /// The address bytes in network order: 4 for IPv4 (the rest are 0), 16 for IPv6.
    const std::array<std::uint8_t, 16>& bytes() const noexcept { return bytes_; }
    /// The same address with another port.
    socket_address with_port(std::uint16_t port) const noexcept {
        socket_address s = *this;
        s.port_ = port;
        return s;
    }

    /// "a.b.c.d:port" or "[ipv6]:port", canonical.
    std::string to_string() const {
        std::string out;
        if (v6_) {
            out += '[';
            format_v6(out);
            if (scope_id_) {
                out += '%';
                out += std::to_string(scope_id_);
            }
            out += ']';
        } else {
            format_v4(out, bytes_.data());
        }
        out += ':';
        out += std::to_string(port_);
        return out;
    }

    friend bool operator==(const socket_address&, const socket_address&) = default;

private:
    [[noreturn]] static void fail(std::string_view text, const char* why) {
        throw std::invalid_argument("weir::net::socket_address::parse(\"" + std::string(text) +
                                    "\"): " + why);
    }
    static bool parse_decimal(std::string_view s, unsigned long max, unsigned long& out) {
        if (s.empty() || s.size() > 5 || (s.size() > 1 && s[0] == '0')) return false;
        unsigned long v = 0;
        for (char c : s) {
            if (c < '0' || c > '9') return false;
            v = v * 10 + static_cast<unsigned long>(c - '0');
        }
        if (v > max) return false;
        out = v;
        return true;
    }
    static bool parse_v4(std::string_view s, std::uint8_t* out) {
        for (int i = 0; i < 4; ++i) {
            std::size_t dot = i < 3 ? s.find('.') : s.size();
            if (dot == std::string_view::npos) return false;
            unsigned long v = 0;
            if (dot > 3 || !parse_decimal(s.substr(0, dot), 255, v)) return false;
            out[i] = static_cast<std::uint8_t>(v);
            s = i < 3 ? s.substr(dot + 1) : std::string_view{};
        }
        return true;
    }
    /// A zone: decimal digits are an interface index, anything else an interface name.
    static std::uint32_t parse_zone(std::string_view text, std::string_view zone) {
        if (zone.empty()) fail(text, "empty zone after '%'");
        bool digits = true;
        for (char c : zone) digits = digits && c >= '0' && c <= '9';
        if (digits) {
            if (zone.size() > 10) fail(text, "the zone index is too large");
            unsigned long long v = 0;
            for (char c : zone) v = v * 10 + static_cast<unsigned>(c - '0');
            if (v > 0xffffffffull) fail(text, "the zone index is too large");
            return static_cast<std::uint32_t>(v);
        }
        std::uint32_t index = weir::detail::sys_interface_index(std::string(zone));
        if (index == 0) fail(text, "no network interface of that name");
        return index;
    }
    static int hex(char c) noexcept {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
    // Groups before "::" fill from the front, groups after it from the back; a dotted IPv4 tail
    // counts as the last two groups.
    static bool parse_v6(std::string_view s, std::array<std::uint8_t, 16>& out) {
        std::array<std::uint16_t, 8> head{}, tail{};
        int nhead = 0, ntail = 0;
        bool gap = false;
        std::size_t gap_at = s.find("::");
        std::string_view first = s, second;
        if (gap_at != std::string_view::npos) {
            gap = true;
            first = s.substr(0, gap_at);
            second = s.substr(gap_at + 2);
            if (second.find("::") != std::string_view::npos) return false;
        }
        auto groups = [](std::string_view part, std::array<std::uint16_t, 8>& g, int& n,
                         bool v4_tail_ok) {
            if (part.empty()) return true;
            for (;;) {
                std::size_t colon = part.find(':');
                std::string_view item = part.substr(0, colon);
                if (colon == std::string_view::npos && v4_tail_ok &&
                    item.find('.') != std::string_view::npos) {
                    std::uint8_t b[4];
                    if (n > 6 || !parse_v4(item, b)) return false;
                    g[n++] = static_cast<std::uint16_t>(b[0] << 8 | b[1]);
                    g[n++] = static_cast<std::uint16_t>(b[2] << 8 | b[3]);
                    return true;
                }
                if (item.empty() || item.size() > 4 || n >= 8) return false;
                unsigned v = 0;
                for (char c : item) {
                    int h = hex(c);
                    if (h < 0) return false;
                    v = v << 4 | static_cast<unsigned>(h);
                }
                g[n++] = static_cast<std::uint16_t>(v);
                if (colon == std::string_view::npos) return true;
                part = part.substr(colon + 1);
            }
        };
        if (!groups(first, head, nhead, !gap)) return false;
        if (!groups(second, tail, ntail, true)) return false;
        if (gap ? nhead + ntail > 7 : nhead != 8) return false;
        std::array<std::uint16_t, 8> all{};
        for (int i = 0; i < nhead; ++i) all[i] = head[i];
        for (int i = 0; i < ntail; ++i) all[8 - ntail + i] = tail[i];
        for (int i = 0; i < 8; ++i) {
            out[2 * i] = static_cast<std::uint8_t>(all[i] >> 8);
            out[2 * i + 1] = static_cast<std::uint8_t>(all[i] & 0xff);
        }
        return true;
    }
    static void format_v4(std::string& out, const std::uint8_t* b) {
        for (int i = 0; i < 4; ++i) {
            if (i) out += '.';
            out += std::to_string(b[i]);
        }
    }
    void format_v6(std::string& out) const {
        std::array<unsigned, 8> g{};
        for (int i = 0; i < 8; ++i) g[i] = unsigned(bytes_[2 * i]) << 8 | bytes_[2 * i + 1];
        bool mapped =
            g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xffff;
        int groups = mapped ? 6 : 8;
        // RFC 5952: compress the longest run of two or more zero groups (the first if tied).
        int best = -1, best_len = 1;
        for (int i = 0; i < groups;) {
            if (g[i] != 0) {
                ++i;
                continue;
            }
            int j = i;
            while (j < groups && g[j] == 0) ++j;
            if (j - i > best_len) best = i, best_len = j - i;
            i = j;
        }
        static const char digits[] = "0123456789abcdef";
        for (int i = 0; i < groups; ++i) {
            if (i == best) {
                out += "::";
                i += best_len - 1;
                continue;
            }
            if (i && i != best + best_len) out += ':';
            char buf[4];
            int n = 0;
            unsigned v = g[i];
            do {
                buf[n++] = digits[v & 0xf];
                v >>= 4;
            } while (v);
            while (n) out += buf[--n];
        }
        if (mapped) {
            if (best + best_len != groups) out += ':';
            format_v4(out, bytes_.data() + 12);
        }
    }

    std::array<std::uint8_t, 16> bytes_{};
    std::uint16_t port_ = 0;
    bool v6_ = false;
    std::uint32_t scope_id_ = 0;  // IPv6 only
};

}  // namespace weir::net

// Why a name lookup failed (weir::net::lookup_host, net/resolve.hpp): weir::net::resolve_errc and
// its error category "weir.resolve". getaddrinfo's failures are not errno values (EAI_NONAME is
// -2 on glibc, WSAHOST_NOT_FOUND is 11001 on Windows), so they get a category of their own, whose
// codes are the same on every platform: a program compares e.code() with
// resolve_errc::host_not_found, not with a platform's number. The platform's own text
// (gai_strerror, or the Winsock message) goes into the exception's message with the host.
// A header of its own, apart from resolve.hpp, because the backends throw these errors
// (detail/net_sys.hpp) and must not pull in the task machinery.
#pragma once

#include <string>
#include <system_error>
#include <type_traits>

namespace weir::net {

/// Why a name did not resolve: the value of a std::system_error's code in resolve_category().
enum class resolve_errc {
    /// The name does not exist (EAI_NONAME; Windows WSAHOST_NOT_FOUND).
    host_not_found = 1,
    /// The name exists but has no IPv4 or IPv6 address (EAI_NODATA, EAI_ADDRFAMILY; WSANO_DATA).
    no_address = 2,
    /// A temporary failure: the name server did not answer, try again later (EAI_AGAIN;
    /// WSATRY_AGAIN).
    try_again = 3,
    /// The name server failed for good (EAI_FAIL; WSANO_RECOVERY).
    failure = 4,
    /// The resolver ran out of memory (EAI_MEMORY; WSA_NOT_ENOUGH_MEMORY).
    out_of_memory = 5,
    /// Anything else (EAI_SYSTEM, an unexpected code): the message says what the OS said.
    other = 6,
};

namespace detail {
class resolve_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "weir.resolve"; }
    std::string message(int v) const override {
        switch (static_cast<resolve_errc>(v)) {
            case resolve_errc::host_not_found:
                return "host not found";
            case resolve_errc::no_address:
                return "the name has no address";
            case resolve_errc::try_again:
                return "temporary failure in name resolution";
            case resolve_errc::failure:
                return "non-recoverable failure in name resolution";
            case resolve_errc::out_of_memory:
                return "out of memory in name resolution";
            case resolve_errc::other:
                return "name resolution failed";
        }
        return "unknown name resolution error " + std::to_string(v);
    }
};
}  // namespace detail

/// The error category of resolve_errc, named "weir.resolve" (one object per program).
inline const std::error_category& resolve_category() noexcept {
    static const detail::resolve_category_impl c;
    return c;
}

/// Makes `e.code() == resolve_errc::host_not_found` and std::error_code{resolve_errc::...} work.
inline std::error_code make_error_code(resolve_errc e) noexcept {
    return {static_cast<int>(e), resolve_category()};
}

}  // namespace weir::net

template <>
struct std::is_error_code_enum<weir::net::resolve_errc> : std::true_type {};

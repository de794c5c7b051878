// detail/net_sys.hpp and detail/fs_sys.hpp for platforms without an I/O backend in weir yet
// (WebAssembly): every call throws
// std::system_error(std::errc::function_not_supported), so weir::net compiles everywhere and
// fails clearly where it cannot work.
#include <string>
#include <system_error>

#include "weir/detail/net_sys.hpp"

namespace weir::detail {

namespace {
[[noreturn]] void unsupported(const char* what) {
    throw std::system_error(std::make_error_code(std::errc::function_not_supported),
                            std::string(what) + ": sockets are not available on this platform");
}
}  // namespace

std::intptr_t sys_socket(const net::socket_address&, socket_kind) { unsupported("weir::net"); }
void sys_bind(std::intptr_t, const net::socket_address&, int, const char* what) {
    unsupported(what);
}
net::socket_address sys_local_address(std::intptr_t, const char* what) { unsupported(what); }
net::socket_address sys_peer_address(std::intptr_t, const char* what) { unsupported(what); }
void sys_set_nodelay(std::intptr_t, bool, const char* what) { unsupported(what); }
void sys_shutdown_write(std::intptr_t, const char* what) { unsupported(what); }
void sys_set_option(std::intptr_t, sock_option, int, const char* what) { unsupported(what); }
int sys_get_option(std::intptr_t, sock_option, const char* what) { unsupported(what); }
void sys_shutdown(std::intptr_t, shutdown_dir, const char* what) { unsupported(what); }
void sys_connect_datagram(std::intptr_t, const net::socket_address&, const char* what) {
    unsupported(what);
}
void sys_close(std::intptr_t) noexcept {}
std::intptr_t sys_unix_socket(const char* what) { unsupported(what); }
std::uint32_t sys_unix_sockaddr(const std::string&, sockaddr_buf&, const char* what) {
    unsupported(what);
}
void sys_bind_unix(std::intptr_t, const std::string&, int, const char* what) { unsupported(what); }
std::string sys_unix_path(std::intptr_t, bool, const char* what) { unsupported(what); }
std::uint32_t sys_interface_index(const std::string&) noexcept { return 0; }
std::uint32_t sys_to_sockaddr(const net::socket_address&, sockaddr_buf&) noexcept { return 0; }
net::socket_address sys_from_sockaddr(const sockaddr_buf&) noexcept { return {}; }

}  // namespace weir::detail

// ---- detail/fs_sys.hpp: no file I/O backend here either ----
#include "weir/detail/fs_sys.hpp"
#include "weir/fs/metadata.hpp"

namespace weir::detail {
std::intptr_t sys_open_file(const std::string& path, unsigned) {
    throw std::system_error(
        std::make_error_code(std::errc::function_not_supported),
        "weir::fs::file::open " + path + ": file I/O is not available on this platform");
}
std::uint64_t sys_file_size(std::intptr_t, const char* what) {
    throw std::system_error(std::make_error_code(std::errc::function_not_supported), what);
}
void sys_close_file(std::intptr_t) noexcept {}
fs::file_metadata sys_path_metadata(const std::string& path, bool, const char* what) {
    throw std::system_error(
        std::make_error_code(std::errc::function_not_supported),
        std::string(what) + " " + path + ": file I/O is not available on this platform");
}
fs::file_metadata sys_file_metadata(std::intptr_t, const char* what) {
    throw std::system_error(std::make_error_code(std::errc::function_not_supported), what);
}
}  // namespace weir::detail

// ---- detail/net_sys.hpp, name resolution: no resolver here either ----
namespace weir::detail {
std::vector<net::socket_address> sys_resolve(const std::string& host, std::uint16_t,
                                             const char* what) {
    throw std::system_error(
        std::make_error_code(std::errc::function_not_supported),
        std::string(what) + " \"" + host + "\": name resolution is not available on this platform");
}
}  // namespace weir::detail

// The synchronous file calls weir::fs needs (open, size, close), declared without OS types so
// that core/ stays platform-free; backends/posix_fs implements them natively, backends/no_net
// (no file I/O backend in WebAssembly yet) throws std::errc::function_not_supported. Reads,
// writes and syncs go through the runtime's I/O driver (detail/io.hpp).
#pragma once

#include <cstdint>
#include <string>

namespace weir::detail {

/// Flags of weir::fs::open_mode (the values are part of its definition).
enum : unsigned { fs_read = 1, fs_write = 2, fs_create = 4, fs_truncate = 8, fs_append = 16 };

/// Opens path; throws std::system_error (with the path in the message) on failure.
std::intptr_t sys_open_file(const std::string& path, unsigned mode);
std::uint64_t sys_file_size(std::intptr_t fd, const char* what);
void sys_close_file(std::intptr_t fd) noexcept;

}  // namespace weir::detail

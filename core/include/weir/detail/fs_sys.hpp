// The synchronous file calls weir::fs needs (open, size, close, metadata), declared without OS
// types so that core/ stays platform-free; backends/posix_fs and backends/win_fs implement them
// natively, backends/no_net (no file I/O backend in WebAssembly yet) throws
// std::errc::function_not_supported. Reads, writes and syncs go through the runtime's I/O driver
// (detail/io.hpp). They may block for long (a FIFO's open, a stalled network file system), so
// weir::fs makes them on the runtime's blocking pool.
#pragma once

#include <cstdint>
#include <string>

namespace weir::fs {
class file_metadata;  // fs/metadata.hpp (which includes this header)
}

namespace weir::detail {

/// Flags of weir::fs::open_mode (the values are part of its definition).
enum : unsigned { fs_read = 1, fs_write = 2, fs_create = 4, fs_truncate = 8, fs_append = 16 };

/// Opens path; throws std::system_error (with the path in the message) on failure.
std::intptr_t sys_open_file(const std::string& path, unsigned mode);
std::uint64_t sys_file_size(std::intptr_t fd, const char* what);
void sys_close_file(std::intptr_t fd) noexcept;
/// The metadata of path: of what it names if follow (stat), of a final symlink itself if not
/// (lstat). Throws std::system_error with the OS error, its message "<what> <path>".
fs::file_metadata sys_path_metadata(const std::string& path, bool follow, const char* what);
/// The metadata of an open file (fstat); throws std::system_error whose message is what.
fs::file_metadata sys_file_metadata(std::intptr_t fd, const char* what);

}  // namespace weir::detail

// Windows files for weir::fs (detail/fs_sys.hpp): CreateFileW with the flags of
// weir::fs::open_mode, opened overlapped so the IOCP driver reads and writes them at offsets;
// the size through GetFileSizeEx. Paths are UTF-8, as on Linux. Metadata comes from
// GetFileInformationByHandle, for a path on a handle opened only to read attributes (as Rust's
// std does): CreateFileW follows links and junctions unless asked for the reparse point itself,
// which is how metadata and symlink_metadata differ (GetFileAttributesExW never follows).
#include <windows.h>

#include <chrono>
#include <cstdint>
#include <ratio>
#include <string>
#include <system_error>

#include "../win_net/win_errors.hpp"
#include "weir/detail/fs_sys.hpp"
#include "weir/detail/io.hpp"
#include "weir/fs/metadata.hpp"

namespace weir::detail {

namespace {
std::wstring widen(const std::string& s) {
    if (s.empty()) return {};
    int n = ::MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), nullptr, 0);
    if (n <= 0) throw_windows_error(static_cast<int>(::GetLastError()), "weir::fs: path " + s);
    std::wstring w(static_cast<std::size_t>(n), L'\0');
    ::MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), w.data(), n);
    return w;
}

/// A FILETIME (100 ns ticks since 1601) as a system_clock time point, clamped to its range
/// (nanosecond ticks: 1678-2262; a file system that keeps no time gives 0, year 1601).
std::chrono::system_clock::time_point to_time_point(const FILETIME& ft) {
    using namespace std::chrono;
    using clock = system_clock;
    using ticks = duration<std::int64_t, std::ratio<1, 10'000'000>>;
    constexpr std::int64_t unix_epoch = 116'444'736'000'000'000;  // 1970-01-01 in FILETIME ticks
    std::uint64_t raw = (std::uint64_t{ft.dwHighDateTime} << 32) | ft.dwLowDateTime;
    if (raw > static_cast<std::uint64_t>(INT64_MAX)) return clock::time_point::max();
    std::int64_t since = static_cast<std::int64_t>(raw) - unix_epoch;
    constexpr auto limit = duration_cast<ticks>(clock::duration::max()).count() - 1;
    if (since > limit) return clock::time_point::max();
    if (since < -limit) return clock::time_point::min();
    return clock::time_point(duration_cast<clock::duration>(ticks(since)));
}

/// The metadata behind a handle; a pipe or a console is file_type::other with nothing else.
fs::file_metadata from_handle(HANDLE h, const std::string& what) {
    fs::file_metadata::fields f;
    if (::GetFileType(h) != FILE_TYPE_DISK) return fs::file_metadata(f);
    BY_HANDLE_FILE_INFORMATION info;
    if (!::GetFileInformationByHandle(h, &info))
        throw_windows_error(static_cast<int>(::GetLastError()), what);
    bool link = false;
    if (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) {
        // Only a handle opened on the reparse point itself (symlink_metadata) gets here with a
        // link; other reparse points (deduplicated or cloud files) are what they contain.
        FILE_ATTRIBUTE_TAG_INFO tag;
        if (::GetFileInformationByHandleEx(h, FileAttributeTagInfo, &tag, sizeof tag))
            link = tag.ReparseTag == IO_REPARSE_TAG_SYMLINK ||
                   tag.ReparseTag == IO_REPARSE_TAG_MOUNT_POINT;
    }
    bool dir = (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
    f.type = link  ? fs::file_type::symlink
             : dir ? fs::file_type::directory
                   : fs::file_type::regular;
    f.size = (std::uint64_t{info.nFileSizeHigh} << 32) | info.nFileSizeLow;
    f.modified = to_time_point(info.ftLastWriteTime);
    f.accessed = to_time_point(info.ftLastAccessTime);
    f.readonly = (info.dwFileAttributes & FILE_ATTRIBUTE_READONLY) != 0;
    return fs::file_metadata(f);  // no POSIX mode bits
}
}  // namespace

std::intptr_t sys_open_file(const std::string& path, unsigned mode) {
    // FILE_READ_ATTRIBUTES for file::metadata: GetFileInformationByHandle needs it, and neither
    // GENERIC_WRITE nor FILE_APPEND_DATA includes it (a write-only file could not be described).
    DWORD access = FILE_READ_ATTRIBUTES;
    if (mode & fs_read) access |= GENERIC_READ;
    // Append: FILE_APPEND_DATA without FILE_WRITE_DATA makes every write go to the end, as
    // O_APPEND does on Linux.
    if (mode & fs_append)
        access |= FILE_APPEND_DATA | SYNCHRONIZE;
    else if (mode & fs_write)
        access |= GENERIC_WRITE;
    DWORD disposition = OPEN_EXISTING;
    if ((mode & fs_create) && (mode & fs_truncate))
        disposition = CREATE_ALWAYS;
    else if (mode & fs_create)
        disposition = OPEN_ALWAYS;
    else if (mode & fs_truncate)
        disposition = TRUNCATE_EXISTING;
    HANDLE h = ::CreateFileW(widen(path).c_str(), access,
                             FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                             disposition, FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OVERLAPPED, nullptr);
    if (h == INVALID_HANDLE_VALUE)
        throw_windows_error(static_cast<int>(::GetLastError()), "weir::fs::file::open " + path);
    return reinterpret_cast<std::intptr_t>(h);
}

std::uint64_t sys_file_size(std::intptr_t fd, const char* what) {
    LARGE_INTEGER size;
    if (!::GetFileSizeEx(reinterpret_cast<HANDLE>(fd), &size))
        throw_windows_error(static_cast<int>(::GetLastError()), what);
    return static_cast<std::uint64_t>(size.QuadPart);
}

fs::file_metadata sys_path_metadata(const std::string& path, bool follow, const char* what) {
    std::string message = std::string(what) + " " + path;
    // FILE_READ_ATTRIBUTES is all GetFileInformationByHandle needs, and is granted where reading
    // is not; BACKUP_SEMANTICS lets CreateFileW open a directory.
    DWORD flags = FILE_FLAG_BACKUP_SEMANTICS | (follow ? 0 : FILE_FLAG_OPEN_REPARSE_POINT);
    HANDLE h = ::CreateFileW(widen(path).c_str(), FILE_READ_ATTRIBUTES,
                             FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                             OPEN_EXISTING, flags, nullptr);
    if (h == INVALID_HANDLE_VALUE) throw_windows_error(static_cast<int>(::GetLastError()), message);
    struct closer {
        HANDLE h;
        ~closer() { ::CloseHandle(h); }
    } close_it{h};
    return from_handle(h, message);
}

fs::file_metadata sys_file_metadata(std::intptr_t fd, const char* what) {
    return from_handle(reinterpret_cast<HANDLE>(fd), what);
}

void sys_close_file(std::intptr_t fd) noexcept {
    if (fd >= 0 && !io_release_handle(fd)) ::CloseHandle(reinterpret_cast<HANDLE>(fd));
}

}  // namespace weir::detail

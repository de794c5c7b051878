// Windows files for weir::fs (detail/fs_sys.hpp): CreateFileW with the flags of
// weir::fs::open_mode, opened overlapped so the IOCP driver reads and writes them at offsets;
// the size through GetFileSizeEx. Paths are UTF-8, as on Linux.
#include <windows.h>

#include <string>
#include <system_error>

#include "../win_net/win_errors.hpp"
#include "weir/detail/fs_sys.hpp"
#include "weir/detail/io.hpp"

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
}  // namespace

std::intptr_t sys_open_file(const std::string& path, unsigned mode) {
    DWORD access = 0;
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

void sys_close_file(std::intptr_t fd) noexcept {
    if (fd >= 0 && !io_release_handle(fd)) ::CloseHandle(reinterpret_cast<HANDLE>(fd));
}

}  // namespace weir::detail

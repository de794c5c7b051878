// POSIX files for weir::fs (detail/fs_sys.hpp): open with the flags of weir::fs::open_mode, size
// through fstat, close.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

#include "weir/detail/fs_sys.hpp"
#include "weir/detail/io.hpp"

namespace weir::detail {

std::intptr_t sys_open_file(const std::string& path, unsigned mode) {
    int flags = O_CLOEXEC;
    bool rd = mode & fs_read, wr = mode & (fs_write | fs_append);
    flags |= rd && wr ? O_RDWR : wr ? O_WRONLY : O_RDONLY;
    if (mode & fs_create) flags |= O_CREAT;
    if (mode & fs_truncate) flags |= O_TRUNC;
    if (mode & fs_append) flags |= O_APPEND;
    int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0)
        throw std::system_error(errno, std::system_category(), "weir::fs::file::open " + path);
    return fd;
}

std::uint64_t sys_file_size(std::intptr_t fd, const char* what) {
    struct stat st;
    if (::fstat(static_cast<int>(fd), &st) < 0)
        throw std::system_error(errno, std::system_category(), what);
    return static_cast<std::uint64_t>(st.st_size);
}

void sys_close_file(std::intptr_t fd) noexcept {
    if (fd >= 0 && !io_release_handle(fd)) ::close(static_cast<int>(fd));
}

}  // namespace weir::detail

// POSIX files for weir::fs (detail/fs_sys.hpp): open with the flags of weir::fs::open_mode, size
// through fstat, close; metadata through stat, lstat and fstat.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>
#include <system_error>

#include "weir/detail/fs_sys.hpp"
#include "weir/detail/io.hpp"
#include "weir/fs/metadata.hpp"

namespace weir::detail {

namespace {
/// A stat time as a system_clock time point, clamped to its range (nanosecond ticks: 1678-2262).
std::chrono::system_clock::time_point to_time_point(const struct timespec& ts) {
    using namespace std::chrono;
    using clock = system_clock;
    constexpr auto limit = duration_cast<seconds>(clock::duration::max()).count() - 1;
    if (ts.tv_sec > limit) return clock::time_point::max();
    if (ts.tv_sec < -limit) return clock::time_point::min();
    return clock::time_point(
        duration_cast<clock::duration>(seconds(ts.tv_sec) + nanoseconds(ts.tv_nsec)));
}

fs::file_metadata from_stat(const struct stat& st) {
    fs::file_metadata::fields f;
    f.type = S_ISREG(st.st_mode)   ? fs::file_type::regular
             : S_ISDIR(st.st_mode) ? fs::file_type::directory
             : S_ISLNK(st.st_mode) ? fs::file_type::symlink
                                   : fs::file_type::other;
    f.size = static_cast<std::uint64_t>(st.st_size);
    f.modified = to_time_point(st.st_mtim);
    f.accessed = to_time_point(st.st_atim);
    f.readonly = (st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0;
    f.mode = static_cast<std::uint32_t>(st.st_mode & 07777);
    return fs::file_metadata(f);
}
}  // namespace

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

fs::file_metadata sys_path_metadata(const std::string& path, bool follow, const char* what) {
    struct stat st;
    if ((follow ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st)) < 0)
        throw std::system_error(errno, std::system_category(), std::string(what) + " " + path);
    return from_stat(st);
}

fs::file_metadata sys_file_metadata(std::intptr_t fd, const char* what) {
    struct stat st;
    if (::fstat(static_cast<int>(fd), &st) < 0)
        throw std::system_error(errno, std::system_category(), what);
    return from_stat(st);
}

void sys_close_file(std::intptr_t fd) noexcept {
    if (fd >= 0 && !io_release_handle(fd)) ::close(static_cast<int>(fd));
}

}  // namespace weir::detail

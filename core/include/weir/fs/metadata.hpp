// weir::fs::file_metadata and the calls that read it: what tokio::fs::metadata and
// std::fs::Metadata give a Rust program, adapted to weir::fs. co_await fs::metadata(path) follows
// symbolic links, co_await fs::symlink_metadata(path) describes the link itself, and
// co_await f.metadata() (fs/file.hpp) describes an open file.
//
// Why it is built so:
// * The stat itself is a blocking system call no I/O driver makes asynchronous (a network file
//   system can stall it for as long as its server is away), so it runs on the runtime's blocking
//   pool, like file::open and file::size, never on a worker.
// * The value type is named file_metadata, not metadata: C++ cannot give a class and a function
//   the same name without hiding one (`fs::metadata m = co_await fs::metadata(p)` would not
//   compile), and the function keeps tokio's name.
// * It holds only what every platform gives cheaply from one stat (POSIX stat/fstat, Windows
//   GetFileInformationByHandle): type, size, modification and access times, read-only flag; the
//   POSIX permission bits are an optional extra. Creation time is left out: Linux's stat has none.
// * Times are std::chrono::system_clock::time_point, not std::filesystem::file_clock: they compare
//   with system_clock::now(), convert with system_clock::to_time_t, and mean the same on every
//   platform and standard library (file_clock's epoch is the implementation's choice).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "../detail/fs_sys.hpp"
#include "../spawn.hpp"
#include "../task.hpp"

namespace weir::fs {

/// What a path names. A symlink shows as symlink only in symlink_metadata (metadata follows it).
enum class file_type : unsigned char {
    regular,    // a regular file
    directory,  // a directory
    symlink,    // a symbolic link (on Windows also a junction)
    other,      // anything else: FIFO, socket, device, a Windows pipe or console
};

/// A snapshot of a file's metadata, taken when it was read (it does not follow later changes).
class file_metadata {
public:
    /// The values a platform reports; a file_metadata is built from them (by the fs backends, or
    /// by a test that needs one).
    struct fields {
        file_type type = file_type::other;
        std::uint64_t size = 0;
        std::chrono::system_clock::time_point modified{};
        std::chrono::system_clock::time_point accessed{};
        bool readonly = false;
        std::optional<std::uint32_t> mode;  // POSIX permission bits, where the platform has them
    };

    /// An empty snapshot: type other, size 0, times at the epoch.
    file_metadata() noexcept = default;
    /// The snapshot holding f.
    explicit file_metadata(const fields& f) noexcept : f_(f) {}

    /// What the path names (file_type::symlink only from symlink_metadata).
    file_type type() const noexcept { return f_.type; }
    /// True for a regular file.
    bool is_file() const noexcept { return f_.type == file_type::regular; }
    /// True for a directory.
    bool is_directory() const noexcept { return f_.type == file_type::directory; }
    /// True for a symbolic link (only from symlink_metadata).
    bool is_symlink() const noexcept { return f_.type == file_type::symlink; }
    /// The size in bytes (tokio's len()). For a regular file its length; for anything else what
    /// the OS reports (a POSIX symlink: the length of its target's path; a directory: its own
    /// size on POSIX, 0 on Windows).
    std::uint64_t size() const noexcept { return f_.size; }
    /// When the content was last modified, to the file system's precision (nanoseconds on
    /// Linux's usual file systems, 100 ns on NTFS). Times outside system_clock's range (before
    /// 1678 or after 2262 with libstdc++'s nanosecond ticks) are clamped to its min() or max().
    std::chrono::system_clock::time_point modified() const noexcept { return f_.modified; }
    /// When the content was last read, as far as the file system keeps it up to date (Linux's
    /// default relatime, and Windows, update it lazily; noatime not at all).
    std::chrono::system_clock::time_point accessed() const noexcept { return f_.accessed; }
    /// True when nobody may write the file: on POSIX no write bit is set (owner, group or
    /// others; as Rust's Permissions::readonly, regardless of who asks), on Windows
    /// FILE_ATTRIBUTE_READONLY is set.
    bool readonly() const noexcept { return f_.readonly; }
    /// The POSIX permission bits (st_mode & 07777: rwx for owner, group and others, and the
    /// setuid, setgid and sticky bits); std::nullopt on Windows, which has none.
    std::optional<std::uint32_t> mode() const noexcept { return f_.mode; }

private:
    fields f_;
};

/// The metadata of what path names, following symbolic links (stat; on Windows the target of a
/// link or junction), read on the runtime's blocking pool as tokio::fs::metadata does.
/// Throws std::system_error with the OS error and the path in its message
/// (std::errc::no_such_file_or_directory for a missing path or a dangling link).
/// Cancel safe: nothing changes; a cancelled call throws at once.
inline task<file_metadata> metadata(std::string path) {
    auto stat = [path = std::move(path)] {  // named: see spawn_blocking about g++ and lambdas
        return weir::detail::sys_path_metadata(path, true, "weir::fs::metadata");
    };
    co_return co_await spawn_blocking(std::move(stat));
}

/// The metadata of path itself, not following a final symbolic link (lstat; on Windows the link
/// or junction itself): type file_type::symlink for a link. Otherwise as metadata().
inline task<file_metadata> symlink_metadata(std::string path) {
    auto stat = [path = std::move(path)] {  // named: see spawn_blocking about g++ and lambdas
        return weir::detail::sys_path_metadata(path, false, "weir::fs::symlink_metadata");
    };
    co_return co_await spawn_blocking(std::move(stat));
}

}  // namespace weir::fs

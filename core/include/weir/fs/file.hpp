// weir::fs: files read and written through the runtime's I/O driver (io_uring on Linux), so a
// task waiting for the disk does not hold a worker. file::open, read_at / write_at at explicit
// offsets (positional, so several tasks may use one file at once) and their vectored forms
// readv_at / writev_at (several buffers in one call), sync, size, metadata
// (fs/metadata.hpp, which also reads a path's metadata); read_all and write_all for whole
// files. OS errors surface as std::system_error with the OS error code and the path. The calls
// the drivers cannot make asynchronous (open, size, metadata, close) run on the runtime's
// blocking pool, as tokio::fs does: an open can block for as long as it likes (a FIFO waits for
// its other end, a network file system for its server) without stopping a worker.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../detail/fs_sys.hpp"
#include "../detail/io_awaiter.hpp"
#include "../detail/io_vectors.hpp"
#include "../spawn.hpp"
#include "../task.hpp"
#include "metadata.hpp"

namespace weir::fs {

/// How to open a file; combine with |: open_mode::write | open_mode::create | open_mode::truncate.
enum class open_mode : unsigned {
    read = weir::detail::fs_read,          // reading
    write = weir::detail::fs_write,        // writing
    create = weir::detail::fs_create,      // create the file if it does not exist (mode 0644)
    truncate = weir::detail::fs_truncate,  // empty it first
    append = weir::detail::fs_append,      // writes go to the end
};
constexpr open_mode operator|(open_mode a, open_mode b) noexcept {
    return static_cast<open_mode>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}
constexpr bool operator&(open_mode a, open_mode b) noexcept {
    return (static_cast<unsigned>(a) & static_cast<unsigned>(b)) != 0;
}

namespace detail {
/// A file handle on its way from the blocking pool: closed if nobody takes it (the open was
/// cancelled while the pool thread was still in open()).
struct opened_handle {
    std::intptr_t fd = -1;
    explicit opened_handle(std::intptr_t f) noexcept : fd(f) {}
    opened_handle(opened_handle&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
    opened_handle(const opened_handle&) = delete;
    ~opened_handle() { weir::detail::sys_close_file(fd); }
};

/// A close for the blocking pool; it closes when dropped too (a runtime shutting down).
struct close_job : weir::detail::blocking_job {
    std::intptr_t fd = -1;
    static void run_close(weir::detail::blocking_job* j) noexcept {
        auto* c = static_cast<close_job*>(j);
        weir::detail::sys_close_file(c->fd);
        delete c;
    }
};

/// Closes fd off the workers: on a worker it becomes a job of the blocking pool, elsewhere (or
/// if the pool refuses: shutdown, no memory, no thread can start) it is closed here.
inline void close_file_soon(std::intptr_t fd) noexcept {
    if (fd < 0) return;
    using weir::detail::this_thread;
    if (this_thread.worker && this_thread.runtime) {
        if (auto* j = new (std::nothrow) close_job) {
            j->fd = fd;
            j->run = j->drop = &close_job::run_close;
            try {
                if (weir::detail::blocking_submit(this_thread.runtime, j)) return;
            } catch (...) {  // no pool thread could start: j was not queued
            }
            delete j;
        }
    }
    weir::detail::sys_close_file(fd);
}
}  // namespace detail

class file {
public:
    file() noexcept = default;
    file(file&& o) noexcept : fd_(std::exchange(o.fd_, -1)), path_(std::move(o.path_)) {}
    file& operator=(file&& o) noexcept {
        if (this != &o) {
            detail::close_file_soon(fd_);
            fd_ = std::exchange(o.fd_, -1);
            path_ = std::move(o.path_);
        }
        return *this;
    }
    file(const file&) = delete;
    /// Closes the file; on a worker the close runs on the blocking pool and may finish after the
    /// destructor returns (co_await close() to know it is done).
    ~file() { detail::close_file_soon(fd_); }

    /// Opens path on the blocking pool; throws std::system_error (ENOENT, EACCES, ...) naming the
    /// path.
    /// Cancel safe: a cancelled open throws at once; if the pool thread's open() succeeds after
    /// all, that handle is closed there.
    static task<file> open(std::string path, open_mode mode) {
        if (!(mode & (open_mode::read | open_mode::write | open_mode::append)))
            throw std::invalid_argument("weir::fs::file::open " + path +
                                        ": the mode must include read, write or append");
        auto opener = [path, mode] {  // named: see spawn_blocking about g++ and lambdas
            return detail::opened_handle(
                weir::detail::sys_open_file(path, static_cast<unsigned>(mode)));
        };
        detail::opened_handle h = co_await spawn_blocking(std::move(opener));
        file f;
        f.fd_ = std::exchange(h.fd, -1);
        f.path_ = std::move(path);
        co_return f;
    }

    /// Reads up to buf.size() bytes at offset; gives how many (0 at or past the end). On a file
    /// that cannot seek (a FIFO, a terminal), the offset is ignored and bytes come in order.
    /// Cancel safety: positional, so nothing is consumed: a cancelled read_at throws, or, if the
    /// read completed in the kernel, gives its count (weir::timeout too); read again at will.
    task<std::size_t> read_at(std::span<std::byte> buf, std::uint64_t offset) {
        auto op = make(weir::detail::io_kind::read, buf.data(), buf.size(), offset);
        std::int64_t r = co_await weir::detail::io_awaiter{op};
        co_return static_cast<std::size_t>(check(r, "weir::fs::file::read_at"));
    }
    /// Writes up to buf.size() bytes at offset; gives how many were written. On a file that
    /// cannot seek (a FIFO), the offset is ignored; a FIFO whose reader has gone gives
    /// std::errc::broken_pipe on every driver (weir ignores SIGPIPE: docs/io.md).
    /// Cancel safety: a cancelled write_at throws, unless it completed in the kernel: then it
    /// gives its count (weir::timeout too; a losing select branch drops the count, the bytes
    /// are written).
    task<std::size_t> write_at(std::span<const std::byte> buf, std::uint64_t offset) {
        auto op = make(weir::detail::io_kind::write, const_cast<std::byte*>(buf.data()), buf.size(),
                       offset);
        std::int64_t r = co_await weir::detail::io_awaiter{op};
        co_return static_cast<std::size_t>(check(r, "weir::fs::file::write_at"));
    }
    /// Reads at offset into several buffers in one call (scatter, as POSIX preadv): each buffer
    /// is filled before the next; gives the total (0 at or past the end), which may be less
    /// than the buffers hold, as for read_at. No buffers, or only empty ones: 0 at once. More
    /// than 1024 buffers (IOV_MAX) is std::invalid_argument. On Windows, where ReadFile has no
    /// scatter form for ordinary files, the driver reads the buffers one after the other and
    /// stops at the first short read, so the call is not one atomic read there. The offset is
    /// ignored on a file that cannot seek, as for read_at.
    /// Cancel safety: as read_at (positional: nothing is consumed; a read that had completed,
    /// even in part, gives its count).
    task<std::size_t> readv_at(std::span<const std::span<std::byte>> bufs, std::uint64_t offset) {
        require("weir::fs::file::readv_at");
        weir::detail::io_vec_list v(bufs, "weir::fs::file::readv_at");
        if (v.total() == 0) co_return 0;
        auto op = make(weir::detail::io_kind::read_vec, v.data(), v.size(), offset);
        std::int64_t r = co_await weir::detail::io_awaiter{op};
        co_return static_cast<std::size_t>(check(r, "weir::fs::file::readv_at"));
    }
    /// Writes several buffers at offset in one call (gather, as POSIX pwritev), in order; gives
    /// how many bytes were written, which may be less than the buffers hold, as for write_at.
    /// No buffers, or only empty ones: 0 at once. More than 1024 buffers (IOV_MAX) is
    /// std::invalid_argument. On Windows, where WriteFile has no gather form for ordinary files,
    /// the driver writes the buffers one after the other and stops at the first short write.
    /// The offset is ignored on a file that cannot seek, as for write_at.
    /// Cancel safety: as write_at (a write that had completed, even in part, gives its count).
    task<std::size_t> writev_at(std::span<const std::span<const std::byte>> bufs,
                                std::uint64_t offset) {
        require("weir::fs::file::writev_at");
        weir::detail::io_vec_list v(bufs, "weir::fs::file::writev_at");
        if (v.total() == 0) co_return 0;
        auto op = make(weir::detail::io_kind::write_vec, v.data(), v.size(), offset);
        std::int64_t r = co_await weir::detail::io_awaiter{op};
        co_return static_cast<std::size_t>(check(r, "weir::fs::file::writev_at"));
    }
    /// Flushes the file's data and metadata to its device.
    /// Cancel safety: a sync cannot be undone; a cancelled one throws and may or may not have
    /// flushed (sync again).
    task<void> sync() {
        auto op = make(weir::detail::io_kind::fsync, nullptr, 0, 0);
        std::int64_t r = co_await weir::detail::io_awaiter{op};
        check(r, "weir::fs::file::sync");
    }
    /// The file's current size in bytes (fstat on the blocking pool).
    /// Cancel safe: nothing changes; a cancelled size() throws at once.
    task<std::uint64_t> size() {
        std::intptr_t fd = require("weir::fs::file::size");
        auto stat = [fd] { return weir::detail::sys_file_size(fd, "weir::fs::file::size"); };
        co_return co_await spawn_blocking(std::move(stat));
    }
    /// The open file's metadata (fstat; GetFileInformationByHandle on Windows) on the blocking
    /// pool: as fs::metadata(path()) would give if the path still names this file, without
    /// looking the path up again. Throws std::system_error naming the path.
    /// Cancel safe: nothing changes; a cancelled metadata() throws at once.
    task<file_metadata> metadata() {
        std::intptr_t fd = require("weir::fs::file::metadata");
        auto stat = [fd, what = "weir::fs::file::metadata " + path_] {
            return weir::detail::sys_file_metadata(fd, what.c_str());
        };
        co_return co_await spawn_blocking(std::move(stat));
    }
    /// Closes the file on the blocking pool and waits for it; the file is then empty (not open).
    /// Nothing to do if it is not open. Cancel safety: the file is closed either way; a cancelled
    /// close() throws at once while the pool thread finishes the close. When no pool thread can
    /// start, it closes the file here and throws spawn_blocking's std::system_error.
    task<void> close() {
        if (fd_ < 0) co_return;
        detail::opened_handle h(std::exchange(fd_, -1));  // closed by the job, or if it is dropped
        auto closer = [h = std::move(h)]() mutable { detail::opened_handle gone(std::move(h)); };
        co_await spawn_blocking(std::move(closer));
    }
    const std::string& path() const noexcept { return path_; }

private:
    std::intptr_t require(const char* what) const {
        if (fd_ < 0) throw std::logic_error(std::string(what) + ": the file is not open");
        return fd_;
    }
    weir::detail::io_op make(weir::detail::io_kind k, void* buf, std::size_t len,
                             std::uint64_t offset) const {
        weir::detail::io_op op;
        op.kind = k;
        op.handle = require("weir::fs::file");
        op.buf = buf;
        op.len = len;
        op.offset = offset;
        return op;
    }
    std::int64_t check(std::int64_t r, const char* what) const {
        if (r < 0) throw weir::detail::io_error(r, std::string(what) + " " + path_);
        return r;
    }

    std::intptr_t fd_ = -1;
    std::string path_;
};

/// The whole content of the file at path; the file is closed when it returns.
/// Cancel safety: nothing to lose (read again); the file is closed either way.
inline task<std::vector<std::byte>> read_all(std::string path) {
    file f = co_await file::open(std::move(path), open_mode::read);
    std::vector<std::byte> out(static_cast<std::size_t>(co_await f.size()));
    std::size_t got = 0;
    for (;;) {
        if (got == out.size()) out.resize(out.size() + 64 * 1024);  // the file may have grown
        std::size_t n = co_await f.read_at(std::span(out).subspan(got), got);
        if (n == 0) break;
        got += n;
    }
    out.resize(got);
    co_await f.close();
    co_return out;
}

/// Creates or replaces the file at path with data; the file is closed when it returns.
/// Not cancel safe: a cancelled write_all leaves the file with a part of data.
inline task<void> write_all(std::string path, std::span<const std::byte> data) {
    file f = co_await file::open(std::move(path),
                                 open_mode::write | open_mode::create | open_mode::truncate);
    std::size_t done = 0;
    while (done < data.size()) done += co_await f.write_at(data.subspan(done), done);
    co_await f.close();
}

}  // namespace weir::fs

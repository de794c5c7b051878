// weir::fs: files read and written through the runtime's I/O driver (io_uring on Linux), so a
// task waiting for the disk does not hold a worker. file::open, read_at / write_at at explicit
// offsets (positional, so several tasks may use one file at once), sync, size; read_all and
// write_all for whole files. OS errors surface as std::system_error with the OS error code and
// the path. Opening is a (fast, local) synchronous call inside the open task.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../detail/fs_sys.hpp"
#include "../detail/io_awaiter.hpp"
#include "../task.hpp"

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

class file {
public:
    file() noexcept = default;
    file(file&& o) noexcept : fd_(std::exchange(o.fd_, -1)), path_(std::move(o.path_)) {}
    file& operator=(file&& o) noexcept {
        if (this != &o) {
            weir::detail::sys_close_file(fd_);
            fd_ = std::exchange(o.fd_, -1);
            path_ = std::move(o.path_);
        }
        return *this;
    }
    file(const file&) = delete;
    ~file() { weir::detail::sys_close_file(fd_); }

    /// Opens path; throws std::system_error (ENOENT, EACCES, ...) naming the path.
    static task<file> open(std::string path, open_mode mode) {
        if (!(mode & (open_mode::read | open_mode::write | open_mode::append)))
            throw std::invalid_argument("weir::fs::file::open " + path +
                                        ": the mode must include read, write or append");
        file f;
        f.fd_ = weir::detail::sys_open_file(path, static_cast<unsigned>(mode));
        f.path_ = std::move(path);
        co_return f;
    }

    /// Reads up to buf.size() bytes at offset; gives how many (0 at or past the end).
    task<std::size_t> read_at(std::span<std::byte> buf, std::uint64_t offset) {
        auto op = make(weir::detail::io_kind::read, buf.data(), buf.size(), offset);
        std::int64_t r = co_await weir::detail::io_awaiter{op};
        co_return static_cast<std::size_t>(check(r, "weir::fs::file::read_at"));
    }
    /// Writes up to buf.size() bytes at offset; gives how many were written.
    task<std::size_t> write_at(std::span<const std::byte> buf, std::uint64_t offset) {
        auto op = make(weir::detail::io_kind::write, const_cast<std::byte*>(buf.data()), buf.size(),
                       offset);
        std::int64_t r = co_await weir::detail::io_awaiter{op};
        co_return static_cast<std::size_t>(check(r, "weir::fs::file::write_at"));
    }
    /// Flushes the file's data and metadata to its device.
    task<void> sync() {
        auto op = make(weir::detail::io_kind::fsync, nullptr, 0, 0);
        std::int64_t r = co_await weir::detail::io_awaiter{op};
        check(r, "weir::fs::file::sync");
    }
    /// The file's current size in bytes.
    task<std::uint64_t> size() {
        co_return weir::detail::sys_file_size(require("weir::fs::file::size"),
                                              "weir::fs::file::size");
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

/// The whole content of the file at path.
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
    co_return out;
}

/// Creates or replaces the file at path with data.
inline task<void> write_all(std::string path, std::span<const std::byte> data) {
    file f = co_await file::open(std::move(path),
                                 open_mode::write | open_mode::create | open_mode::truncate);
    std::size_t done = 0;
    while (done < data.size()) done += co_await f.write_at(data.subspan(done), done);
}

}  // namespace weir::fs

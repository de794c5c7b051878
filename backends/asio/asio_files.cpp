// File operations on the Asio driver (the class is in asio_driver.hpp). epoll cannot wait for
// regular files, so on Linux reads, writes (vectored ones as preadv / pwritev) and syncs run as
// blocking calls on a small helper pool (two threads, made on first use), as tokio does with
// spawn_blocking. They are not interrupted by cancellation: the await returns when the call
// returns. On Windows IOCP does files as it does sockets, and only a sync goes to the pool.

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>

#include "asio_driver.hpp"

#ifndef _WIN32
#include <sys/uio.h>
#include <unistd.h>
#endif

namespace weir::detail::asio_backend {

void asio_driver::start_file(io_op* op) {
#ifdef _WIN32
    // IOCP does files as it does sockets; a sync is a blocking call for the helper pool.
    if (op->kind != io_kind::fsync) {
        asio::cancellation_slot slot = state_of(op)->signal.slot();
        std::lock_guard<std::mutex> t(table_lock_);
        file_object* f = file_for(op);
        if (!f) {
            post_result(op, -EINVAL);
            return;
        }
        if (op->kind == io_kind::read_vec || op->kind == io_kind::write_vec) {
            file_vec_step(op, *f, 0, 0);
            return;
        }
        auto on_done = asio::bind_cancellation_slot(
            slot,
            [this, op](const error_code& ec, std::size_t n) { complete(op, to_result(ec, n)); });
        if (op->kind == io_kind::read)
            f->async_read_some_at(op->offset, asio::buffer(op->buf, op->len), std::move(on_done));
        else
            f->async_write_some_at(op->offset, asio::buffer(op->buf, op->len), std::move(on_done));
        return;
    }
#endif
    asio::post(helper_pool(), [this, op] {
        complete(op, run_file_op(op));  // silent if the runtime is going away
    });
}

#ifdef _WIN32

/// The IOCP file object for op's handle, made on first use; null if the handle was used
/// as a socket before, or there is no memory. Under table_lock_.
file_object* asio_driver::file_for(io_op* op) {
    auto it = table_.find(op->handle);
    if (it != table_.end()) {
        state_of(op)->gen = it->second.gen;
        return std::get_if<file_object>(&it->second.obj);
    }
    file_object f(ctx_);
    error_code ec;
    f.assign(reinterpret_cast<HANDLE>(op->handle), ec);
    if (ec) return nullptr;
    handle_entry* e = insert(op->handle, f);
    if (!e) return nullptr;
    state_of(op)->gen = e->gen;
    return &std::get<file_object>(e->obj);
}

std::int64_t asio_driver::run_file_op(io_op* op) noexcept {
    if (::FlushFileBuffers(reinterpret_cast<HANDLE>(op->handle))) return 0;
    return -to_errno(static_cast<int>(::GetLastError()));
}

// Vectored file operations on IOCP. ReadFile and WriteFile take one buffer, and their
// scatter/gather forms (ReadFileScatter, WriteFileGather) need unbuffered, page-aligned
// I/O that ordinary files are not opened for; Asio's random_access_handle likewise passes
// only the first non-empty buffer of a sequence. So the buffers go one after the other,
// each at the offset where the last one ended, and the operation stops at the first short
// transfer, error or cancellation, reporting the bytes moved so far (the error only if
// none were), as a POSIX preadv that was cut short would. Each step starts in the previous
// one's completion handler, on the thread that runs handlers, where the cancellation
// handler (on_cancel) runs too: a cancellation always finds one step in flight, or none
// left to start.

/// Starts step i (buffer i, done bytes moved before it). Under table_lock_.
void asio_driver::file_vec_step(io_op* op, file_object& f, std::size_t i, std::size_t done) {
    const auto* v = static_cast<const io_vec*>(op->buf);
    std::uint64_t at = op->offset == ~std::uint64_t(0) ? op->offset : op->offset + done;
    auto on_done = asio::bind_cancellation_slot(
        state_of(op)->signal.slot(), [this, op, i, done](const error_code& ec, std::size_t n) {
            on_file_vec_step(op, i, done, ec, n);
        });
    if (op->kind == io_kind::read_vec)
        f.async_read_some_at(at, asio::buffer(v[i].base, v[i].len), std::move(on_done));
    else
        f.async_write_some_at(at, asio::const_buffer(v[i].base, v[i].len), std::move(on_done));
}

/// Step i moved n bytes (or failed): start the next one, or report.
void asio_driver::on_file_vec_step(io_op* op, std::size_t i, std::size_t done, const error_code& ec,
                                   std::size_t n) noexcept {
    const auto* v = static_cast<const io_vec*>(op->buf);
    std::int64_t r = to_result(ec, n);
    if (r < 0) {
        complete(op, done ? static_cast<std::int64_t>(done) : r);
        return;
    }
    done += n;
    if (n == v[i].len && i + 1 < op->len &&
        state_of(op)->st.load(std::memory_order_acquire) == op_state::pending) {
        try {
            std::lock_guard<std::mutex> t(table_lock_);
            auto it = table_.find(op->handle);
            file_object* f = it == table_.end() || it->second.gen != state_of(op)->gen
                                 ? nullptr
                                 : std::get_if<file_object>(&it->second.obj);
            if (f) {  // else the file was closed meanwhile: report what was done
                file_vec_step(op, *f, i + 1, done);
                return;
            }
        } catch (...) {  // no memory for the next step: report what was done
        }
    }
    complete(op, static_cast<std::int64_t>(done));  // not under table_lock_ (report)
}

#else

// A file that cannot seek (a FIFO, a terminal) refuses pread/pwrite with ESPIPE, where
// io_uring reads and writes it in order, ignoring the offset: do the same, so both drivers
// behave alike (a FIFO whose reader left gives EPIPE on both).
std::int64_t asio_driver::run_file_op(io_op* op) noexcept {
    int fd = static_cast<int>(op->handle);
    bool at = op->offset != ~std::uint64_t(0);
    auto off = static_cast<off_t>(op->offset);
    // A vectored operation's io_vec array is the iovec array preadv / pwritev take.
    static_assert(sizeof(io_vec) == sizeof(iovec) && alignof(io_vec) == alignof(iovec) &&
                  offsetof(io_vec, base) == offsetof(iovec, iov_base) &&
                  offsetof(io_vec, len) == offsetof(iovec, iov_len));
    const auto* iov = static_cast<const iovec*>(op->buf);
    int iovcnt = static_cast<int>(op->len);  // at most io_max_vecs
    ssize_t r = 0;
    switch (op->kind) {
        case io_kind::read_vec:
            r = at ? ::preadv(fd, iov, iovcnt, off) : -1;
            if (!at || (r < 0 && errno == ESPIPE)) r = ::readv(fd, iov, iovcnt);
            break;
        case io_kind::write_vec:
            r = at ? ::pwritev(fd, iov, iovcnt, off) : -1;
            if (!at || (r < 0 && errno == ESPIPE)) r = ::writev(fd, iov, iovcnt);
            break;
        case io_kind::read:
            r = at ? ::pread(fd, op->buf, op->len, off) : -1;
            if (!at || (r < 0 && errno == ESPIPE)) r = ::read(fd, op->buf, op->len);
            break;
        case io_kind::write:
            r = at ? ::pwrite(fd, op->buf, op->len, off) : -1;
            if (!at || (r < 0 && errno == ESPIPE)) r = ::write(fd, op->buf, op->len);
            break;
        default:
            r = ::fsync(fd);
            break;
    }
    return r < 0 ? -errno : r;
}

#endif

asio::thread_pool& asio_driver::helper_pool() {
    std::lock_guard<std::mutex> g(pool_lock_);
    if (!pool_) pool_ = std::make_unique<asio::thread_pool>(2);
    return *pool_;
}

}  // namespace weir::detail::asio_backend

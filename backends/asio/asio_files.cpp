// File operations on the Asio driver (the class is in asio_driver.hpp). epoll cannot wait for
// regular files, so on Linux reads, writes (vectored ones too) and syncs run as blocking calls on
// a small helper pool (two threads, made on first use), as tokio does with spawn_blocking. They
// are not interrupted by cancellation: the await returns when the call returns. On Windows IOCP
// does files as it does sockets, and only a sync goes to the pool.
//
// A blocking call may never return (a read of a FIFO or terminal that no data comes to), and a
// runtime must still shut down. So a helper job never touches the operation's memory while the
// call runs: it reads into and writes from a buffer of its own (at most helper_max_io bytes a
// call: a shorter transfer, which callers handle), copied from or into the operation's buffers
// under the job's lock, and only while the operation is still its. Shutdown waits for the jobs
// a bounded time (helper_grace), then abandons those still running: it takes their operation
// back under the same lock, leaves their threads to end by themselves (the pool is left alive,
// never joined), and says on stderr how many it abandoned.
#include <cerrno>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <utility>

#include "asio_driver.hpp"

#ifndef _WIN32
#include <fcntl.h>
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
    start_on_helper(op);
}

namespace {

/// The most bytes one helper call moves: the job's own buffer is this large at most.
constexpr std::size_t helper_max_io = std::size_t(1) << 20;
/// How long shutdown waits for helper jobs before it abandons them.
constexpr auto helper_grace = std::chrono::seconds(2);

}  // namespace

/// A blocking call on a helper thread, and what it needs, copied out of its operation so that
/// the call never touches the operation (file comment).
struct asio_driver::helper_job {
    std::mutex m;
    io_op* op = nullptr;  // under m: null once reported or abandoned
    std::intptr_t handle = 0;
    io_kind kind = io_kind::fsync;
    std::uint64_t offset = 0;
    std::vector<std::byte> data;  // a read's target, a write's source
};

namespace {

/// op's buffers as (base, len) pieces: one for read/write, the io_vec array for vectored ones.
template <class F>
void for_each_piece(const io_op* op, F f) {
    if (op->kind == io_kind::read_vec || op->kind == io_kind::write_vec) {
        const auto* v = static_cast<const io_vec*>(op->buf);
        for (std::size_t i = 0; i < op->len; ++i)
            if (!f(static_cast<std::byte*>(v[i].base), v[i].len)) return;
    } else {
        f(static_cast<std::byte*>(op->buf), op->len);
    }
}

bool is_read(io_kind k) noexcept { return k == io_kind::read || k == io_kind::read_vec; }
bool is_write(io_kind k) noexcept { return k == io_kind::write || k == io_kind::write_vec; }

#ifdef _WIN32
std::int64_t blocking_call(asio_driver::helper_job&) noexcept;
#else
// A file that cannot seek (a FIFO, a terminal) refuses pread/pwrite with ESPIPE, where
// io_uring reads and writes it in order, ignoring the offset: do the same, so both drivers
// behave alike (a FIFO whose reader left gives EPIPE on both).
std::int64_t blocking_call(int fd, io_kind kind, std::uint64_t offset,
                           std::vector<std::byte>& data) noexcept {
    bool at = offset != ~std::uint64_t(0);
    auto off = static_cast<off_t>(offset);
    ssize_t r = 0;
    if (is_read(kind)) {
        r = at ? ::pread(fd, data.data(), data.size(), off) : -1;
        if (!at || (r < 0 && errno == ESPIPE)) r = ::read(fd, data.data(), data.size());
    } else if (is_write(kind)) {
        r = at ? ::pwrite(fd, data.data(), data.size(), off) : -1;
        if (!at || (r < 0 && errno == ESPIPE)) r = ::write(fd, data.data(), data.size());
    } else {
        r = ::fsync(fd);
    }
    return r < 0 ? -errno : r;
}
#endif

}  // namespace

void asio_driver::start_on_helper(io_op* op) {
    auto job = std::make_shared<helper_job>();
    job->op = op;
    job->handle = op->handle;
#ifndef _WIN32
    // The call works on a duplicate of the descriptor, closed when the job ends: an abandoned
    // call may still be blocked (or not yet started) when the owner closes its descriptor, and
    // the number may then name another file; the duplicate still names this one.
    int dup = ::fcntl(static_cast<int>(op->handle), F_DUPFD_CLOEXEC, 0);
    if (dup < 0) {
        post_result(op, -errno);
        return;
    }
    job->handle = dup;
#endif
    job->kind = op->kind;
    job->offset = op->offset;
    if (is_read(op->kind) || is_write(op->kind)) {
        std::size_t total = 0;
        for_each_piece(op, [&](std::byte*, std::size_t n) {
            total += std::min(n, helper_max_io - total);
            return total < helper_max_io;
        });
        job->data.resize(total);
        if (is_write(op->kind)) {
            std::size_t at = 0;
            for_each_piece(op, [&](std::byte* p, std::size_t n) {
                n = std::min(n, total - at);
                if (n) std::memcpy(job->data.data() + at, p, n);
                at += n;
                return at < total;
            });
        }
    }
    std::lock_guard<std::mutex> g(pool_lock_);
    if (!pool_) pool_ = std::make_unique<asio::thread_pool>(2);
    helper_jobs_.push_back(job);
    try {
        asio::post(*pool_, [this, job] { run_helper_job(*job); });
    } catch (...) {
        helper_jobs_.pop_back();
#ifndef _WIN32
        ::close(static_cast<int>(job->handle));
#endif
        throw;  // submit reports it (ENOMEM / EIO)
    }
}

/// On a helper thread. The driver may be gone by the time the call returns (shutdown abandoned
/// the job): `this` is used only while the job's operation is still set, under the job's lock.
void asio_driver::run_helper_job(helper_job& job) noexcept {
    {
        std::lock_guard<std::mutex> g(job.m);
        if (!job.op) {  // abandoned before it started
#ifndef _WIN32
            ::close(static_cast<int>(job.handle));
#endif
            return;
        }
    }
#ifdef _WIN32
    std::int64_t r = blocking_call(job);
#else
    std::int64_t r = blocking_call(static_cast<int>(job.handle), job.kind, job.offset, job.data);
    ::close(static_cast<int>(job.handle));  // the job's duplicate (start_on_helper)
#endif
    std::lock_guard<std::mutex> g(job.m);
    io_op* op = job.op;
    if (!op) return;  // abandoned while the call ran: its result is dropped
    job.op = nullptr;
    if (is_read(job.kind) && r > 0) {
        std::size_t at = 0, got = static_cast<std::size_t>(r);
        for_each_piece(op, [&](std::byte* p, std::size_t n) {
            n = std::min(n, got - at);
            if (n) std::memcpy(p, job.data.data() + at, n);
            at += n;
            return at < got;
        });
    }
    complete(op, r);  // silent if the runtime is going away
    // Still under job.m, so that shutdown, which abandons under it, cannot finish before this
    // thread is done with the driver.
    std::lock_guard<std::mutex> p(pool_lock_);
    std::erase_if(helper_jobs_,
                  [&](const std::shared_ptr<helper_job>& j) { return j.get() == &job; });
    if (helper_jobs_.empty()) pool_idle_.notify_all();
}

/// Shutdown's part: waits up to helper_grace for the helper jobs, then abandons the ones left
/// (file comment). Returns how many it abandoned.
std::size_t asio_driver::abandon_helper_jobs() noexcept {
    std::vector<std::shared_ptr<helper_job>> left;
    {
        std::unique_lock<std::mutex> g(pool_lock_);
        pool_idle_.wait_for(g, helper_grace, [&] { return helper_jobs_.empty(); });
        left = helper_jobs_;
    }
    std::size_t abandoned = 0;
    for (auto& j : left) {
        std::lock_guard<std::mutex> g(j->m);
        if (!j->op) continue;  // reported meanwhile
        io_op* op = j->op;
        j->op = nullptr;
        finish_silently(op);
        ++abandoned;
    }
    std::lock_guard<std::mutex> g(pool_lock_);
    helper_jobs_.clear();
    if (!pool_) return abandoned;
    if (abandoned) {
        // Its threads may be blocked for good: never join or destroy it. Each ends its call
        // and finds its job abandoned; the pool's memory stays for them.
        (void)pool_.release();
        std::fprintf(stderr,
                     "weir: the runtime shut down with %zu blocking file operation(s) still "
                     "running on the Asio driver's helper threads after %lld s (a read of a FIFO "
                     "or terminal waits until data comes); abandoned: their results are dropped "
                     "and their threads end by themselves\n",
                     abandoned, static_cast<long long>(helper_grace.count()));
    } else {
        pool_->join();
    }
    return abandoned;
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

namespace {
std::int64_t blocking_call(
    asio_driver::helper_job& job) noexcept {  // a sync: all Windows sends here
    if (::FlushFileBuffers(reinterpret_cast<HANDLE>(job.handle))) return 0;
    error_code ec(static_cast<int>(::GetLastError()), boost::system::system_category());
    return to_result(ec, 0);
}
}  // namespace

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

#endif

}  // namespace weir::detail::asio_backend

// The portable I/O driver, on Boost.Asio: epoll on Linux, kqueue on BSD and macOS, IOCP on
// Windows. The runtime picks it where io_uring is unavailable (backends/thread_park/
// select_driver.cpp), or when asked to (io_backend "asio").
//
// Parking: the timer owner parks by running the driver's io_context for one handler, with the
// next timer deadline as the limit, so one wait covers I/O and timers as with io_uring. unpark()
// posts an empty handler, and only when the owner really sleeps (the parked/notified word of the
// thread parker), so a busy runtime makes no wake-up calls. Busy workers run ready handlers
// through poll(), and only while operations are in flight.
//
// Handles: Asio works on its own socket objects, so the driver keeps one per handle it has seen
// (an acceptor, a stream or datagram socket, on Windows a file handle), made on first use and
// dropped when weir closes the handle (io_release_handle). Accepted sockets go straight into the
// table, registered with the reactor or completion port once.
//
// Threads: completion handlers only ever run on the thread holding run_lock_ (the parked owner,
// or a worker in poll()), one at a time. Operations are started and cancelled under table_lock_,
// because Asio objects are not safe to use from several threads at once.
//
// Cancellation is per operation (Asio's cancellation slots). cancel() may come from any thread
// while the completion may be running on the reaper, so it does not touch Asio: it marks the
// operation and posts the real cancellation to the reaper. The operation's state word decides
// who reports the completion, so it is reported exactly once and never after the waiter (which
// frees the io_op) has been woken:
//   pending --cancel()--> cancel_posted --(reaper: emit)--> cancel_sent --(completion)--> report
//   pending --(completion)--> done: report
//   cancel_posted --(completion first)--> completed_early --(reaper: cancel handler)--> report
//
// Files: epoll cannot wait for regular files, so on Linux reads, writes and syncs of files run
// on a small helper pool (two threads, made on first use), as tokio does with spawn_blocking.
// They are not interrupted by cancellation: the await returns when the call returns.
#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/generic/datagram_protocol.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#ifdef _WIN32
#include <boost/asio/windows/random_access_handle.hpp>
#else
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <system_error>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

#include "weir/detail/io.hpp"
#include "weir/detail/parker.hpp"

namespace weir::detail {
namespace {

namespace asio = boost::asio;
using stream_proto = asio::generic::stream_protocol;
using dgram_proto = asio::generic::datagram_protocol;
using error_code = boost::system::error_code;
using stream_acceptor = asio::basic_socket_acceptor<stream_proto>;

/// Lives in io_op::scratch while the operation is in flight.
struct op_state {
    enum : std::uint8_t { pending, cancel_posted, cancel_sent, completed_early, done };
    std::atomic<std::uint8_t> st{pending};
    asio::cancellation_signal signal;
};
static_assert(sizeof(op_state) <= sizeof(io_op::scratch) && alignof(op_state) <= 8);
op_state* state_of(io_op* op) noexcept {
    return std::launder(reinterpret_cast<op_state*>(op->scratch));
}

/// An Asio error as weir's io result: minus the POSIX error number (Boost.System maps Windows
/// errors to them, so the same std::errc comparisons hold on every platform).
std::int64_t to_result(const error_code& ec, std::size_t n) noexcept {
    if (!ec) return static_cast<std::int64_t>(n);
    if (ec == asio::error::eof) return static_cast<std::int64_t>(n);  // end of stream: 0 bytes
    if (ec == asio::error::operation_aborted) return -ECANCELED;
    boost::system::error_condition c = ec.default_error_condition();
    if (c.category() == boost::system::generic_category()) return -c.value();
    return -EIO;
}

bool is_file_op(io_kind k) noexcept {
    return k == io_kind::read || k == io_kind::write || k == io_kind::fsync;
}

#ifdef _WIN32
using file_object = asio::windows::random_access_handle;
#else
struct file_object {};  // Linux files need no Asio object (helper pool)
#endif
using handle_object = std::variant<std::monostate, stream_acceptor, stream_proto::socket,
                                   dgram_proto::socket, file_object>;

/// Gives a handle back to weir without closing it (the socket or file object still owns it).
void release(handle_object& h) noexcept {
    error_code ec;
    std::visit(
        [&](auto& o) {
            if constexpr (!std::is_same_v<std::decay_t<decltype(o)>, std::monostate>)
#ifndef _WIN32
                if constexpr (!std::is_same_v<std::decay_t<decltype(o)>, file_object>)
#endif
                    o.release(ec);
        },
        h);
}
/// Closes the handle through its object (which also drops it from the reactor).
void close(handle_object& h) noexcept {
    error_code ec;
    std::visit(
        [&](auto& o) {
            if constexpr (!std::is_same_v<std::decay_t<decltype(o)>, std::monostate>)
#ifndef _WIN32
                if constexpr (!std::is_same_v<std::decay_t<decltype(o)>, file_object>)
#endif
                    o.close(ec);
        },
        h);
}

class asio_driver;
std::mutex registry_lock;  // the live asio drivers, for io_release_handle
std::vector<asio_driver*> registry;
std::atomic<int> registry_size{0};

class asio_driver final : public driver, public io_driver {
public:
    asio_driver() {
        std::lock_guard<std::mutex> g(registry_lock);
        registry.push_back(this);
        registry_size.fetch_add(1, std::memory_order_relaxed);
    }
    ~asio_driver() override {
        {
            std::lock_guard<std::mutex> g(registry_lock);
            std::erase(registry, this);
            registry_size.fetch_sub(1, std::memory_order_relaxed);
        }
        shutdown();
        // The user's socket and file types still own their handles: give them back open.
        std::lock_guard<std::mutex> t(table_lock_);
        for (auto& [h, obj] : table_) release(obj);
        table_.clear();
    }

    // ---- parker ----
    void park(std::int64_t timeout_ns) override {
        int expected = notified;
        if (state_.compare_exchange_strong(expected, empty, std::memory_order_acquire)) return;
        if (timeout_ns == 0) {
            poll();
            return;
        }
        std::lock_guard<std::mutex> run(run_lock_);
        expected = empty;
        if (state_.compare_exchange_strong(expected, parked, std::memory_order_acquire)) {
            try {
                if (timeout_ns < 0)
                    ctx_.run_one();
                else
                    ctx_.run_one_for(std::chrono::nanoseconds(timeout_ns));
            } catch (...) {  // a failing wait (EINTR) is a spurious wake-up
            }
        }
        state_.store(empty, std::memory_order_release);
        run_ready();
    }

    void unpark() noexcept override {
        if (state_.exchange(notified, std::memory_order_acq_rel) == parked) {
            try {
                asio::post(ctx_, [] {});  // wakes the owner's run_one
            } catch (...) {
            }
        }
    }

    bool consume_unpark() noexcept override {
        int expected = notified;
        return state_.compare_exchange_strong(expected, empty, std::memory_order_seq_cst);
    }

    const char* name() const noexcept override { return "asio"; }
    io_driver* io() noexcept override { return this; }

    void poll() noexcept override {
        // Nothing in flight: no handler can be ready but an unpark's, which does not matter.
        if (inflight_.load(std::memory_order_relaxed) == 0) return;
        if (!run_lock_.try_lock()) return;  // someone is running handlers already
        run_ready();
        run_lock_.unlock();
    }

    void shutdown() noexcept override {
        closing_.store(true, std::memory_order_release);
        std::lock_guard<std::mutex> g(pool_lock_);
        if (pool_) pool_->join();
    }

    // ---- io_driver ----
    void submit(io_op* op) noexcept override {
        new (op->scratch) op_state{};
        inflight_.fetch_add(1, std::memory_order_relaxed);
        try {
            start(op);
        } catch (const std::bad_alloc&) {
            post_result(op, -ENOMEM);
        } catch (...) {
            post_result(op, -EIO);
        }
    }

    void cancel(io_op* op) noexcept override {
#ifndef _WIN32
        if (is_file_op(op->kind)) return;  // a helper thread runs it to the end
#endif
        op_state* s = state_of(op);
        std::uint8_t expected = op_state::pending;
        if (!s->st.compare_exchange_strong(expected, op_state::cancel_posted,
                                           std::memory_order_acq_rel))
            return;  // completed already (or a cancel is on its way)
        try {
            asio::post(ctx_, [this, op] { on_cancel(op); });
        } catch (...) {  // could not post: let the operation finish by itself
            expected = op_state::cancel_posted;
            if (!s->st.compare_exchange_strong(expected, op_state::cancel_sent))
                report(op);  // it completed meanwhile and left the report to us
        }
    }

    const char* io_name() const noexcept override { return "asio"; }

    /// io_release_handle for this driver: true if it had the handle (and closed it).
    bool close_handle(std::intptr_t h) noexcept {
        std::lock_guard<std::mutex> t(table_lock_);
        auto it = table_.find(h);
        if (it == table_.end()) return false;
        close(it->second);
        bool closed = !std::holds_alternative<std::monostate>(it->second);
#ifndef _WIN32
        closed = closed && !std::holds_alternative<file_object>(it->second);
#endif
        table_.erase(it);
        return closed;
    }

private:
    // Under run_lock_.
    void run_ready() noexcept {
        try {
            ctx_.poll();
        } catch (...) {
        }
    }

    void start(io_op* op) {
        switch (op->kind) {
            case io_kind::nop:
                post_result(op, 0);
                return;
            case io_kind::close:
                post_result(op, close_now(op->handle));
                return;
            case io_kind::read:
            case io_kind::write:
            case io_kind::fsync:
                start_file(op);
                return;
            default:
                break;
        }
        auto handler_slot = [](asio::cancellation_slot sl, auto&& h) {
            return asio::bind_cancellation_slot(sl, std::forward<decltype(h)>(h));
        };
        asio::cancellation_slot slot = state_of(op)->signal.slot();
        std::lock_guard<std::mutex> t(table_lock_);
        int err = 0;
        switch (op->kind) {
            case io_kind::accept: {
                auto* a = object<stream_acceptor>(op, err);
                if (!a) break;
                a->async_accept(
                    handler_slot(slot, [this, op](const error_code& ec, stream_proto::socket peer) {
                        on_accepted(op, ec, std::move(peer));
                    }));
                return;
            }
            case io_kind::connect: {
                auto* s = object<stream_proto::socket>(op, err);
                if (!s) break;
                stream_proto::endpoint to(op->addr, *op->addrlen);
                s->async_connect(to, handler_slot(slot, [this, op](const error_code& ec) {
                                     complete(op, to_result(ec, 0));
                                 }));
                return;
            }
            case io_kind::recv: {
                auto* s = object<stream_proto::socket>(op, err);
                if (!s) break;
                s->async_receive(
                    asio::buffer(op->buf, op->len),
                    handler_slot(slot, [this, op](const error_code& ec, std::size_t n) {
                        complete(op, to_result(ec, n));
                    }));
                return;
            }
            case io_kind::send: {
                auto* s = object<stream_proto::socket>(op, err);
                if (!s) break;
                s->async_send(asio::buffer(op->buf, op->len),
                              handler_slot(slot, [this, op](const error_code& ec, std::size_t n) {
                                  complete(op, to_result(ec, n));
                              }));
                return;
            }
            case io_kind::send_to: {
                auto* s = object<dgram_proto::socket>(op, err);
                if (!s) break;
                dgram_proto::endpoint to(op->addr, *op->addrlen);
                s->async_send_to(
                    asio::buffer(op->buf, op->len), to,
                    handler_slot(slot, [this, op](const error_code& ec, std::size_t n) {
                        complete(op, to_result(ec, n));
                    }));
                return;
            }
            case io_kind::recv_from: {
                auto* s = object<dgram_proto::socket>(op, err);
                if (!s) break;
                // The sender's address must stay put until the completion: one allocation.
                auto from = std::make_unique<dgram_proto::endpoint>();
                dgram_proto::endpoint& ref = *from;
                s->async_receive_from(asio::buffer(op->buf, op->len), ref,
                                      handler_slot(slot, [this, op, from = std::move(from)](
                                                             const error_code& ec, std::size_t n) {
                                          if (!ec) {
                                              std::size_t len =
                                                  std::min<std::size_t>(from->size(), *op->addrlen);
                                              std::memcpy(op->addr, from->data(), len);
                                              *op->addrlen = static_cast<std::uint32_t>(len);
                                          }
                                          complete(op, to_result(ec, n));
                                      }));
                return;
            }
            default:
                err = EINVAL;
                break;
        }
        post_result(op, -err);
    }

    /// The Asio object for op's handle, made on first use. Under table_lock_. On failure sets
    /// err (an errno) and returns null.
    template <class T>
    T* object(io_op* op, int& err) {
        auto it = table_.find(op->handle);
        if (it != table_.end()) {
            if (T* p = std::get_if<T>(&it->second)) return p;
            err = EINVAL;  // used before as another kind of handle
            return nullptr;
        }
        int family = family_of(op);
        if (family < 0) {
            err = -family;
            return nullptr;
        }
        T obj(ctx_);
        error_code ec;
        if constexpr (std::is_same_v<T, dgram_proto::socket>)
            obj.assign(dgram_proto(family, IPPROTO_UDP), native(op->handle), ec);
        else
            obj.assign(stream_proto(family, IPPROTO_TCP), native(op->handle), ec);
        if (ec) {
            err = static_cast<int>(-to_result(ec, 0));
            return nullptr;
        }
        return &std::get<T>(table_.emplace(op->handle, std::move(obj)).first->second);
    }

    /// The address family of op's socket: a connect's target tells it, else the socket's own
    /// (bound) address. Minus an errno on failure.
    static int family_of(io_op* op) noexcept {
        if (op->kind == io_kind::connect)
            return reinterpret_cast<const sockaddr*>(op->addr)->sa_family;
        sockaddr_storage ss{};
#ifdef _WIN32
        int len = sizeof ss;
        if (::getsockname(native(op->handle), reinterpret_cast<sockaddr*>(&ss), &len) != 0)
            return -to_errno(::WSAGetLastError());
#else
        socklen_t len = sizeof ss;
        if (::getsockname(native(op->handle), reinterpret_cast<sockaddr*>(&ss), &len) != 0)
            return -errno;
#endif
        return ss.ss_family;
    }

#ifdef _WIN32
    static SOCKET native(std::intptr_t h) noexcept { return static_cast<SOCKET>(h); }
    static int to_errno(int win_error) noexcept {
        error_code ec(win_error, boost::system::system_category());
        return static_cast<int>(-to_result(ec, 0));
    }
#else
    static int native(std::intptr_t h) noexcept { return static_cast<int>(h); }
#endif

    void on_accepted(io_op* op, const error_code& ec, stream_proto::socket peer) {
        if (ec) {
            complete(op, to_result(ec, 0));
            return;
        }
        auto h = static_cast<std::intptr_t>(peer.native_handle());
#ifndef _WIN32
        ::fcntl(static_cast<int>(h), F_SETFD, FD_CLOEXEC);  // Asio accepts without SOCK_CLOEXEC
#endif
        {
            std::lock_guard<std::mutex> t(table_lock_);
            table_.insert_or_assign(h, handle_object(std::move(peer)));
        }
        complete(op, h);
    }

    std::int64_t close_now(std::intptr_t h) noexcept {
        if (close_handle(h)) return 0;
#ifdef _WIN32
        return ::closesocket(native(h)) == 0 ? 0 : -to_errno(::WSAGetLastError());
#else
        return ::close(native(h)) == 0 ? 0 : -errno;
#endif
    }

    void start_file(io_op* op) {
#ifdef _WIN32
        // IOCP does files as it does sockets; a sync is a blocking call for the helper pool.
        if (op->kind != io_kind::fsync) {
            asio::cancellation_slot slot = state_of(op)->signal.slot();
            std::lock_guard<std::mutex> t(table_lock_);
            file_object* f = file_for(op->handle);
            auto on_done =
                asio::bind_cancellation_slot(slot, [this, op](const error_code& ec, std::size_t n) {
                    complete(op, to_result(ec, n));
                });
            if (op->kind == io_kind::read)
                f->async_read_some_at(op->offset, asio::buffer(op->buf, op->len),
                                      std::move(on_done));
            else
                f->async_write_some_at(op->offset, asio::buffer(op->buf, op->len),
                                       std::move(on_done));
            return;
        }
#endif
        asio::post(helper_pool(), [this, op] {
            std::int64_t r = run_file_op(op);
            // The runtime is going away (shutdown() waits for this job): its frames are about to
            // be destroyed, nobody must be woken.
            if (closing_.load(std::memory_order_acquire)) {
                finish_silently(op);
                return;
            }
            complete(op, r);
        });
    }

#ifdef _WIN32
    file_object* file_for(std::intptr_t h) {
        auto it = table_.find(h);
        if (it == table_.end()) {
            file_object f(ctx_);
            f.assign(reinterpret_cast<HANDLE>(h));
            it = table_.emplace(h, std::move(f)).first;
        }
        if (auto* f = std::get_if<file_object>(&it->second)) return f;
        throw std::system_error(std::make_error_code(std::errc::invalid_argument));
    }
    static std::int64_t run_file_op(io_op* op) noexcept {
        if (::FlushFileBuffers(reinterpret_cast<HANDLE>(op->handle))) return 0;
        return -to_errno(static_cast<int>(::GetLastError()));
    }
#else
    static std::int64_t run_file_op(io_op* op) noexcept {
        int fd = static_cast<int>(op->handle);
        ssize_t r = 0;
        switch (op->kind) {
            case io_kind::read:
                r = op->offset == ~std::uint64_t(0)
                        ? ::read(fd, op->buf, op->len)
                        : ::pread(fd, op->buf, op->len, static_cast<off_t>(op->offset));
                break;
            case io_kind::write:
                r = op->offset == ~std::uint64_t(0)
                        ? ::write(fd, op->buf, op->len)
                        : ::pwrite(fd, op->buf, op->len, static_cast<off_t>(op->offset));
                break;
            default:
                r = ::fsync(fd);
                break;
        }
        return r < 0 ? -errno : r;
    }
#endif

    asio::thread_pool& helper_pool() {
        std::lock_guard<std::mutex> g(pool_lock_);
        if (!pool_) pool_ = std::make_unique<asio::thread_pool>(2);
        return *pool_;
    }

    /// Reports a result without starting anything (errors found before the start, nop, close).
    void post_result(io_op* op, std::int64_t r) noexcept {
        op->result = r;
        try {
            asio::post(ctx_, [this, op] { complete(op, op->result); });
        } catch (...) {
            // No memory even for that: report from here. submit() must not complete inline,
            // but a waiter that is woken early still finds the result when it runs.
            report(op);
        }
    }

    /// An operation finished with result r (on the reaper, or on a helper thread for files).
    void complete(io_op* op, std::int64_t r) noexcept {
        op->result = r;
        op_state* s = state_of(op);
        std::uint8_t st = s->st.load(std::memory_order_acquire);
        for (;;) {
            if (st == op_state::cancel_sent) break;  // the cancellation is done with op
            // pending: claim the report before a cancel() can post a handler that would look
            // at op after its waiter freed it. cancel_posted: that handler will run and report.
            std::uint8_t next =
                st == op_state::pending ? op_state::done : op_state::completed_early;
            if (s->st.compare_exchange_weak(st, next, std::memory_order_acq_rel)) {
                if (next == op_state::completed_early) return;
                break;
            }
        }
        report(op);
    }

    /// The posted half of cancel(), on the reaper.
    void on_cancel(io_op* op) noexcept {
        op_state* s = state_of(op);
        std::uint8_t expected = op_state::cancel_posted;
        if (s->st.compare_exchange_strong(expected, op_state::cancel_sent,
                                          std::memory_order_acq_rel)) {
            std::lock_guard<std::mutex> t(table_lock_);
            s->signal.emit(asio::cancellation_type::terminal);  // its completion comes later
            return;
        }
        report(op);  // completed_early: the completion left the report to us
    }

    void report(io_op* op) noexcept {
        state_of(op)->~op_state();
        inflight_.fetch_sub(1, std::memory_order_relaxed);
        op->complete(op);  // the waiter may free op at once: do not touch it after
    }
    void finish_silently(io_op* op) noexcept {
        state_of(op)->~op_state();
        inflight_.fetch_sub(1, std::memory_order_relaxed);
    }

    static constexpr int empty = 0, parked = 1, notified = 2;
    asio::io_context ctx_{1};  // one thread at a time runs handlers (run_lock_)
    asio::executor_work_guard<asio::io_context::executor_type> work_{ctx_.get_executor()};
    std::mutex run_lock_;
    std::mutex table_lock_;
    std::unordered_map<std::intptr_t, handle_object> table_;  // guarded by table_lock_
    std::atomic<int> state_{empty};
    std::atomic<std::int64_t> inflight_{0};
    std::atomic<bool> closing_{false};
    std::mutex pool_lock_;
    std::unique_ptr<asio::thread_pool> pool_;  // files on Linux, syncs on Windows
};

}  // namespace

bool io_release_handle(std::intptr_t handle) noexcept {
    if (registry_size.load(std::memory_order_relaxed) == 0) return false;
    std::lock_guard<std::mutex> g(registry_lock);
    for (asio_driver* d : registry)
        if (d->close_handle(handle)) return true;
    return false;
}

std::unique_ptr<driver> make_asio_driver() {
    try {
        return std::make_unique<asio_driver>();
    } catch (const std::exception&) {  // the reactor could not be created (out of fds, ...)
        return nullptr;
    }
}

}  // namespace weir::detail

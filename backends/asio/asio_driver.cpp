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
// dropped when weir closes the handle (io_release_handle). On Windows accepted sockets go straight
// into the table, registered with the completion port once; on POSIX weir accepts them itself
// with accept4(SOCK_CLOEXEC) (accept_or_wait) and they get their object on first use.
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
// They are not interrupted by cancellation: the await returns when the call returns. Vectored
// ones are preadv / pwritev there; on Windows they go through IOCP one buffer after the other
// (file_vec_step says why).
#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/bind_allocator.hpp>
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
#include <sys/uio.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <mutex>
#include <new>
#include <system_error>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

#include "../common/park_state.hpp"
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
    bool spare_used = false;  // the spare room below holds a posted handler
    /// The table entry the operation was started on (0: none); a cancellation only reaches
    /// Asio if that entry still exists, since closing the handle frees its Asio object.
    std::uint64_t gen = 0;
    asio::cancellation_signal signal;
    static constexpr std::size_t spare_size = 64;
    alignas(8) unsigned char spare[spare_size];
};
static_assert(sizeof(op_state) <= sizeof(io_op::scratch) && alignof(op_state) <= 8);
op_state* state_of(io_op* op) noexcept {
    return std::launder(reinterpret_cast<op_state*>(op->scratch));
}

/// Gives the one handler that reports an operation without Asio I/O (nop, close, an error found
/// at the start) memory from the operation's own scratch, so that reporting cannot fail for lack
/// of memory. Asio frees a handler's memory before invoking it, so the room is free again when
/// the operation is reported. Anything that does not fit goes to the heap.
template <class T>
struct scratch_allocator {
    using value_type = T;
    op_state* st;
    explicit scratch_allocator(op_state* s) noexcept : st(s) {}
    template <class U>
    scratch_allocator(const scratch_allocator<U>& o) noexcept : st(o.st) {}
    T* allocate(std::size_t n) {
        if (!st->spare_used && n * sizeof(T) <= op_state::spare_size && alignof(T) <= 8) {
            st->spare_used = true;
            return reinterpret_cast<T*>(st->spare);
        }
        return static_cast<T*>(::operator new(n * sizeof(T)));
    }
    void deallocate(T* p, std::size_t) noexcept {
        if (reinterpret_cast<unsigned char*>(p) == st->spare)
            st->spare_used = false;
        else
            ::operator delete(p);
    }
    template <class U>
    bool operator==(const scratch_allocator<U>& o) const noexcept {
        return st == o.st;
    }
};

/// The most one call moves (Linux's MAX_RW_COUNT): larger buffers are done in several calls,
/// and Windows' 32-bit lengths cannot wrap to 0.
constexpr std::size_t max_io = 0x7ffff000;

static_assert(max_io == io_max_len);

/// A vectored operation's buffers (its io_vec array) as an Asio buffer sequence of Buffer
/// (mutable_buffer or const_buffer), read in place: nothing is copied or allocated. Asio hands
/// the OS 64 buffers at most per call (its buffer_sequence_adapter); the rest wait for the
/// caller's next call, a shorter transfer that readv / writev allow. The core leaves empty
/// buffers out (io_vectors.hpp), so those 64 always hold at least one byte of room.
template <class Buffer>
class vec_buffers {
public:
    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = Buffer;
        using difference_type = std::ptrdiff_t;
        using pointer = const Buffer*;
        using reference = Buffer;
        iterator() noexcept = default;
        explicit iterator(const io_vec* p) noexcept : p_(p) {}
        Buffer operator*() const noexcept { return Buffer(p_->base, p_->len); }
        iterator& operator++() noexcept {
            ++p_;
            return *this;
        }
        iterator operator++(int) noexcept {
            iterator was = *this;
            ++p_;
            return was;
        }
        bool operator==(const iterator& o) const noexcept { return p_ == o.p_; }
        bool operator!=(const iterator& o) const noexcept { return p_ != o.p_; }

    private:
        const io_vec* p_ = nullptr;
    };
    explicit vec_buffers(const io_op* op) noexcept
        : v_(static_cast<const io_vec*>(op->buf)), n_(op->len) {}
    iterator begin() const noexcept { return iterator(v_); }
    iterator end() const noexcept { return iterator(v_ + n_); }

private:
    const io_vec* v_;
    std::size_t n_;
};

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

/// A vectored send's result. On IOCP a send waits until all of it is buffered, so one that is
/// cancelled may have sent a part, which it reports with operation_aborted: that part went to
/// the peer, and writev promises its count (the reactor on POSIX never aborts a send that sent).
std::int64_t sent_result(const error_code& ec, std::size_t n) noexcept {
    if (ec == asio::error::operation_aborted && n > 0) return static_cast<std::int64_t>(n);
    return to_result(ec, n);
}

/// Operations a helper thread runs as a blocking call; they cannot be cancelled.
bool runs_on_helper(io_kind k) noexcept {
#ifdef _WIN32
    return k == io_kind::fsync;  // reads and writes of files go through IOCP
#else
    return k == io_kind::read || k == io_kind::write || k == io_kind::read_vec ||
           k == io_kind::write_vec || k == io_kind::fsync;
#endif
}

#ifdef _WIN32
using file_object = asio::windows::random_access_handle;
#else
struct file_object {};  // Linux files need no Asio object (helper pool)
#endif
using handle_object = std::variant<std::monostate, stream_acceptor, stream_proto::socket,
                                   dgram_proto::socket, file_object>;
struct handle_entry {
    handle_object obj;
    std::uint64_t gen = 0;  // distinguishes successive entries of one handle number
};

/// True for the alternatives that hold an Asio object (not the empty one, nor the Linux file
/// placeholder, which the helper pool serves without Asio).
template <class O>
constexpr bool holds_asio_object = !std::is_same_v<O, std::monostate>
#ifndef _WIN32
                                   && !std::is_same_v<O, file_object>
#endif
    ;

/// Calls f(object, ec) on the Asio object in h, if there is one; errors are ignored.
template <class F>
void with_object(handle_object& h, F f) noexcept {
    error_code ec;
    std::visit(
        [&](auto& o) {
            if constexpr (holds_asio_object<std::decay_t<decltype(o)>>) f(o, ec);
        },
        h);
}
/// Gives a handle back to weir without closing it (the socket or file object still owns it).
void release(handle_object& h) noexcept {
    with_object(h, [](auto& o, error_code& ec) { o.release(ec); });
}
/// Cancels every operation pending on the handle (they complete with operation_aborted).
void cancel_all(handle_object& h) noexcept {
    with_object(h, [](auto& o, error_code& ec) { o.cancel(ec); });
}
/// Closes the handle through its object (which also drops it from the reactor).
void close(handle_object& h) noexcept {
    with_object(h, [](auto& o, error_code& ec) { o.close(ec); });
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
        for (auto& [h, e] : table_) release(e.obj);
        table_.clear();
    }

    // ---- parker ----
    void park(std::int64_t timeout_ns) override {
        if (state_.take_notification()) return;
        if (timeout_ns == 0) {
            poll();
            return;
        }
        std::lock_guard<std::mutex> run(run_lock_);
        if (state_.begin_sleep()) {
            try {
                if (timeout_ns < 0)
                    ctx_.run_one();
                else
                    ctx_.run_one_for(std::chrono::nanoseconds(timeout_ns));
            } catch (...) {  // a failing wait (EINTR) is a spurious wake-up
            }
            state_.end_sleep();
        }
        run_ready();
    }

    void unpark() noexcept override {
        if (state_.notify()) {
            try {
                asio::post(ctx_, [] {});  // wakes the owner's run_one
            } catch (...) {
            }
        }
    }

    bool consume_unpark() noexcept override { return state_.consume(); }

    const char* name() const noexcept override { return "asio"; }
    io_driver* io() noexcept override { return this; }

    void poll() noexcept override {
        // Nothing in flight: no handler can be ready but an unpark's, which does not matter.
        if (inflight_.load(std::memory_order_relaxed) == 0) return;
        if (!run_lock_.try_lock()) return;  // someone is running handlers already
        run_ready();
        run_lock_.unlock();
    }

    /// From now on completions are not reported (the frames they would wake are about to be
    /// destroyed). Every pending operation is cancelled and waited for, so that no kernel
    /// (IOCP) writes into a buffer after its frame is gone; the wait is bounded, in case a
    /// completion never comes.
    void shutdown() noexcept override {
        if (closing_.exchange(true, std::memory_order_acq_rel)) return;
        {
            std::lock_guard<std::mutex> g(pool_lock_);
            if (pool_) pool_->join();
        }
        {
            std::lock_guard<std::mutex> t(table_lock_);
            for (auto& [h, e] : table_) cancel_all(e.obj);
        }
        std::lock_guard<std::mutex> run(run_lock_);
        auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (inflight_.load(std::memory_order_acquire) > 0 &&
               std::chrono::steady_clock::now() < give_up) {
            try {
                ctx_.run_one_for(std::chrono::milliseconds(10));
            } catch (...) {
            }
        }
    }

    // ---- io_driver ----
    void submit(io_op* op) noexcept override {
        new (op->scratch) op_state{};
        op->len = std::min(op->len, max_io);  // a shorter transfer, which callers handle
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
        if (runs_on_helper(op->kind)) return;  // a blocking call on a helper thread: it ends
        op_state* s = state_of(op);
        std::uint8_t expected = op_state::pending;
        if (!s->st.compare_exchange_strong(expected, op_state::cancel_posted,
                                           std::memory_order_acq_rel))
            return;  // completed already (or a cancel is on its way)
        try {
            asio::post(ctx_, asio::bind_allocator(scratch_allocator<void>(s),
                                                  [this, op] { on_cancel(op); }));
        } catch (...) {  // could not post: let the operation finish by itself
            expected = op_state::cancel_posted;
            if (!s->st.compare_exchange_strong(expected, op_state::cancel_sent))
                report(op);  // it completed meanwhile and left the report to us
        }
    }

    const char* io_name() const noexcept override { return "asio"; }

    /// True if the driver has an object for handle h.
    bool knows(std::intptr_t h) noexcept {
        std::lock_guard<std::mutex> t(table_lock_);
        return table_.find(h) != table_.end();
    }

    /// io_release_handle for this driver: drops its object for handle h, if it has one,
    /// closing the handle through it when may_close (returns 2), else giving it back open
    /// (returns 1). 0: it did not know h.
    int forget(std::intptr_t h, bool may_close) noexcept {
        std::lock_guard<std::mutex> t(table_lock_);
        auto it = table_.find(h);
        if (it == table_.end()) return 0;
        int r = 1;
        if (may_close && !std::holds_alternative<std::monostate>(it->second.obj)) {
#ifndef _WIN32
            if (!std::holds_alternative<file_object>(it->second.obj))
#endif
            {
                close(it->second.obj);
                r = 2;
            }
        }
        if (r == 1) release(it->second.obj);
        table_.erase(it);
        return r;
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
            case io_kind::read_vec:
            case io_kind::write_vec:
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
#ifdef _WIN32
                a->async_accept(
                    handler_slot(slot, [this, op](const error_code& ec, stream_proto::socket peer) {
                        on_accepted(op, ec, std::move(peer));
                    }));
#else
                accept_or_wait(op, *a);
#endif
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
                auto on_done = handler_slot(slot, [this, op](const error_code& ec, std::size_t n) {
                    complete(op, datagram_result(op, ec, n));
                });
                if (op->flags & io_flag_datagram) {
                    auto* s = object<dgram_proto::socket>(op, err);
                    if (!s) break;
                    s->async_receive(asio::buffer(op->buf, op->len), recv_flags(op),
                                     std::move(on_done));
                    return;
                }
                auto* s = object<stream_proto::socket>(op, err);
                if (!s) break;
                s->async_receive(asio::buffer(op->buf, op->len), recv_flags(op),
                                 std::move(on_done));
                return;
            }
            case io_kind::send: {
                auto on_done = handler_slot(slot, [this, op](const error_code& ec, std::size_t n) {
                    complete(op, to_result(ec, n));
                });
                if (op->flags & io_flag_datagram) {
                    auto* s = object<dgram_proto::socket>(op, err);
                    if (!s) break;
                    s->async_send(asio::buffer(op->buf, op->len), std::move(on_done));
                    return;
                }
                auto* s = object<stream_proto::socket>(op, err);
                if (!s) break;
                s->async_send(asio::buffer(op->buf, op->len), std::move(on_done));
                return;
            }
            case io_kind::recv_vec: {
                auto* s = object<stream_proto::socket>(op, err);
                if (!s) break;
                s->async_receive(
                    vec_buffers<asio::mutable_buffer>(op), 0,
                    handler_slot(slot, [this, op](const error_code& ec, std::size_t n) {
                        complete(op, to_result(ec, n));
                    }));
                return;
            }
            case io_kind::send_vec: {
                auto* s = object<stream_proto::socket>(op, err);
                if (!s) break;
                s->async_send(vec_buffers<asio::const_buffer>(op),
                              handler_slot(slot, [this, op](const error_code& ec, std::size_t n) {
                                  complete(op, sent_result(ec, n));
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
                s->async_receive_from(asio::buffer(op->buf, op->len), ref, recv_flags(op),
                                      handler_slot(slot, [this, op, from = std::move(from)](
                                                             const error_code& ec, std::size_t n) {
                                          if (!ec || ec == asio::error::message_size) {
                                              std::size_t len =
                                                  std::min<std::size_t>(from->size(), *op->addrlen);
                                              std::memcpy(op->addr, from->data(), len);
                                              *op->addrlen = static_cast<std::uint32_t>(len);
                                          }
                                          complete(op, datagram_result(op, ec, n));
                                      }));
                return;
            }
            default:
                err = EINVAL;
                break;
        }
        post_result(op, -err);
    }

    /// MSG_PEEK when asked; on Linux also MSG_TRUNC for a datagram receive, so that the result
    /// is the datagram's full size even when it did not fit (io.hpp). Windows has no MSG_TRUNC
    /// for receives: IOCP reports a cut datagram as WSAEMSGSIZE instead (datagram_result).
    static asio::socket_base::message_flags recv_flags(const io_op* op) noexcept {
        int f = (op->flags & io_flag_peek) ? asio::socket_base::message_peek : 0;
#ifndef _WIN32
        if (op->kind == io_kind::recv_from || (op->flags & io_flag_datagram)) f |= MSG_TRUNC;
#endif
        return f;
    }
    /// A receive's result; a datagram cut to the buffer (IOCP's WSAEMSGSIZE) is len + 1, "more
    /// than fitted" (io.hpp).
    static std::int64_t datagram_result(const io_op* op, const error_code& ec,
                                        std::size_t n) noexcept {
        if (ec == asio::error::message_size) return static_cast<std::int64_t>(op->len) + 1;
        return to_result(ec, n);
    }

    /// The Asio object for op's handle, made on first use. Under table_lock_. On failure sets
    /// err (an errno) and returns null.
    template <class T>
    T* object(io_op* op, int& err) {
        auto it = table_.find(op->handle);
        if (it != table_.end()) {
            T* p = std::get_if<T>(&it->second.obj);
            if (!p) err = EINVAL;  // used before as another kind of handle
            state_of(op)->gen = it->second.gen;
            return p;
        }
        int family = family_of(op);
        if (family < 0) {
            err = -family;
            return nullptr;
        }
        T obj(ctx_);
        error_code ec;
        // IP sockets name their protocol; a Unix-domain socket has none (0).
        bool ip = family == AF_INET || family == AF_INET6;
        if constexpr (std::is_same_v<T, dgram_proto::socket>)
            obj.assign(dgram_proto(family, ip ? IPPROTO_UDP : 0), native(op->handle), ec);
        else
            obj.assign(stream_proto(family, ip ? IPPROTO_TCP : 0), native(op->handle), ec);
        if (ec) {
            err = static_cast<int>(-to_result(ec, 0));
            return nullptr;
        }
        handle_entry* e = insert(op->handle, obj);
        if (!e) {
            err = ENOMEM;
            return nullptr;
        }
        state_of(op)->gen = e->gen;
        return &std::get<T>(e->obj);
    }

    /// Moves obj into a new table entry for h; null (obj released, the handle left open) if
    /// there is no memory for the entry. Under table_lock_.
    template <class T>
    handle_entry* insert(std::intptr_t h, T& obj) noexcept {
        try {
            auto [it, fresh] = table_.try_emplace(h);
            if (!fresh) release(it->second.obj);  // a stale entry: give its handle back
            it->second.obj = std::move(obj);      // no-throw: Asio objects move without throwing
            it->second.gen = next_gen_++;
            return &it->second;
        } catch (...) {
            error_code ec;
            obj.release(ec);
            return nullptr;
        }
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

#ifndef _WIN32
    // Accepts on POSIX are weir's own accept4(SOCK_CLOEXEC), with Asio only waiting for the
    // listener to be readable: Asio's async_accept accepts without SOCK_CLOEXEC, and setting
    // FD_CLOEXEC afterwards leaves a window in which a fork+exec on another thread inherits the
    // connection (the child then holds it open). The accepted descriptor is reported as is: the
    // driver makes its Asio object on the socket's first operation, as for any other handle.

    /// Under table_lock_: accepts now if a connection waits, else waits for one (and tries
    /// again from on_acceptable). Errors other than "nothing yet" end the operation.
    void accept_or_wait(io_op* op, stream_acceptor& a) {
        error_code ec;
        a.native_non_blocking(true, ec);  // so accept4 never blocks (Asio sets it too)
        for (;;) {
            int fd = ::accept4(a.native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
            if (fd >= 0) {
                post_result(op, fd);
                return;
            }
            if (errno == EINTR || errno == ECONNABORTED) continue;  // try the next one
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                post_result(op, -errno);
                return;
            }
            break;
        }
        if (state_of(op)->st.load(std::memory_order_acquire) != op_state::pending) {
            // Cancelled while we were not waiting (between a wake-up and this new wait): the
            // cancellation was emitted into no operation, so end here.
            post_result(op, -ECANCELED);
            return;
        }
        a.async_wait(stream_acceptor::wait_read,
                     asio::bind_cancellation_slot(
                         state_of(op)->signal.slot(),
                         [this, op](const error_code& e) { on_acceptable(op, e); }));
    }
    /// The listener became readable (or the wait was cancelled or failed).
    void on_acceptable(io_op* op, const error_code& ec) noexcept {
        if (ec) {
            complete(op, to_result(ec, 0));
            return;
        }
        try {
            std::lock_guard<std::mutex> t(table_lock_);
            auto it = table_.find(op->handle);
            stream_acceptor* a = it == table_.end() || it->second.gen != state_of(op)->gen
                                     ? nullptr
                                     : std::get_if<stream_acceptor>(&it->second.obj);
            if (!a) {  // the listener was closed meanwhile
                post_result(op, -EBADF);
                return;
            }
            accept_or_wait(op, *a);
        } catch (const std::bad_alloc&) {
            complete(op, -ENOMEM);
        } catch (...) {
            complete(op, -EIO);
        }
    }
#endif

#ifdef _WIN32
    void on_accepted(io_op* op, const error_code& ec, stream_proto::socket peer) {
        if (ec) {
            complete(op, to_result(ec, 0));
            return;
        }
        auto h = static_cast<std::intptr_t>(peer.native_handle());
        // Not inherited by child processes, as weir's own sockets. (Asio's AcceptEx socket is
        // inheritable until this call; a CreateProcess that inherits handles in between would
        // take it: POSIX accepts with accept4(SOCK_CLOEXEC) above.)
        ::SetHandleInformation(reinterpret_cast<HANDLE>(h), HANDLE_FLAG_INHERIT, 0);
        bool kept;
        {
            std::lock_guard<std::mutex> t(table_lock_);
            kept = insert(h, peer) != nullptr;
        }
        if (!kept) {  // no memory to keep it: drop the connection, report the error
            ::closesocket(native(h));
            complete(op, -ENOMEM);
            return;
        }
        complete(op, h);
    }
#endif

    std::int64_t close_now(std::intptr_t h) noexcept {
        if (forget(h, true) == 2) return 0;
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
            file_object* f = file_for(op);
            if (!f) {
                post_result(op, -EINVAL);
                return;
            }
            if (op->kind == io_kind::read_vec || op->kind == io_kind::write_vec) {
                file_vec_step(op, *f, 0, 0);
                return;
            }
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
            complete(op, run_file_op(op));  // silent if the runtime is going away
        });
    }

#ifdef _WIN32
    /// The IOCP file object for op's handle, made on first use; null if the handle was used
    /// as a socket before, or there is no memory. Under table_lock_.
    file_object* file_for(io_op* op) {
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
    static std::int64_t run_file_op(io_op* op) noexcept {
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
    void file_vec_step(io_op* op, file_object& f, std::size_t i, std::size_t done) {
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
    void on_file_vec_step(io_op* op, std::size_t i, std::size_t done, const error_code& ec,
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
    static std::int64_t run_file_op(io_op* op) noexcept {
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

    asio::thread_pool& helper_pool() {
        std::lock_guard<std::mutex> g(pool_lock_);
        if (!pool_) pool_ = std::make_unique<asio::thread_pool>(2);
        return *pool_;
    }

    /// Reports a result without starting anything (errors found before the start, nop, close).
    void post_result(io_op* op, std::int64_t r) noexcept {
        op->result = r;
        // The handler lives in op's scratch: posting allocates nothing and cannot fail.
        asio::post(ctx_, asio::bind_allocator(scratch_allocator<void>(state_of(op)),
                                              [this, op] { complete(op, op->result); }));
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
        if (s->st.load(std::memory_order_acquire) == op_state::cancel_posted) {
            // Still pending (its completion would run on this thread, after us). Emit only
            // while the Asio object it was started on exists: a close since then has aborted
            // the operation already, and the object's memory is gone.
            std::lock_guard<std::mutex> t(table_lock_);
            auto it = table_.find(op->handle);
            if (s->gen != 0 && it != table_.end() && it->second.gen == s->gen)
                s->signal.emit(asio::cancellation_type::terminal);  // completion comes later
        }
        std::uint8_t expected = op_state::cancel_posted;
        if (s->st.compare_exchange_strong(expected, op_state::cancel_sent,
                                          std::memory_order_acq_rel))
            return;
        report(op);  // completed_early: the completion left the report to us
    }

    void report(io_op* op) noexcept {
        if (closing_.load(std::memory_order_acquire)) {
            finish_silently(op);  // the runtime is going away: nobody must be woken
            return;
        }
        state_of(op)->~op_state();
        inflight_.fetch_sub(1, std::memory_order_release);
        op->complete(op);  // the waiter may free op at once: do not touch it after
    }
    void finish_silently(io_op* op) noexcept {
        // A connection accepted for nobody: close it (its table entry goes with it).
        if (op->kind == io_kind::accept && op->result >= 0)
            close_now(static_cast<std::intptr_t>(op->result));
        state_of(op)->~op_state();
        inflight_.fetch_sub(1, std::memory_order_release);
    }

    // One thread at a time runs handlers (run_lock_), which the hint 1 lets epoll rely on. On
    // Windows the hint would become the completion port's concurrency limit, which counts a
    // worker that polled and went on running tasks as active: the owner would not be woken.
#ifdef _WIN32
    asio::io_context ctx_{BOOST_ASIO_CONCURRENCY_HINT_DEFAULT};
#else
    asio::io_context ctx_{1};
#endif
    asio::executor_work_guard<asio::io_context::executor_type> work_{ctx_.get_executor()};
    std::mutex run_lock_;
    std::mutex table_lock_;
    std::unordered_map<std::intptr_t, handle_entry> table_;  // guarded by table_lock_
    std::uint64_t next_gen_ = 1;                             // guarded by table_lock_
    park_state state_;
    std::atomic<std::int64_t> inflight_{0};
    std::atomic<bool> closing_{false};
    std::mutex pool_lock_;
    std::unique_ptr<asio::thread_pool> pool_;  // files on Linux, syncs on Windows
};

}  // namespace

bool io_release_handle(std::intptr_t handle) noexcept {
    if (registry_size.load(std::memory_order_relaxed) == 0) return false;
    // Every driver forgets it (two runtimes may have used one socket); one that has an object
    // for it closes it, and that one goes last: once the handle is closed the OS may give its
    // number at once to a socket another runtime accepts or opens, and a forget after that
    // would drop (and cancel the operations of) the new socket's entry.
    std::lock_guard<std::mutex> g(registry_lock);
    asio_driver* closer = nullptr;
    for (asio_driver* d : registry) {
        if (!closer && d->knows(handle))
            closer = d;
        else
            d->forget(handle, false);
    }
    return closer && closer->forget(handle, true) == 2;
}

std::unique_ptr<driver> make_asio_driver() {
    try {
        return std::make_unique<asio_driver>();
    } catch (const std::exception&) {  // the reactor could not be created (out of fds, ...)
        return nullptr;
    }
}

}  // namespace weir::detail

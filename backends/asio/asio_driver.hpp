// The portable I/O driver, on Boost.Asio: epoll on Linux, kqueue on BSD and macOS, IOCP on
// Windows. The runtime picks it where io_uring is unavailable (backends/thread_park/
// select_driver.cpp), or when asked to (io_backend "asio").
//
// This header holds what the driver's files share: the per-operation state, the table of Asio
// objects and the driver class. The class is defined by concept in four files:
// asio_driver.cpp (parking, and the life of an operation from submit to report), asio_sockets.cpp
// (starting socket operations), asio_accept.cpp (accepting, which POSIX and Windows do
// differently) and asio_files.cpp (files: a helper pool on Linux, IOCP on Windows).
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
// Files: see asio_files.cpp.
#pragma once

#if defined(__MINGW32__) && !defined(BOOST_ASIO_HAS_PTHREADS)
// Every file that includes Asio must see the same thread type (CMakeLists.txt, Boost users).
#error "the mingw build compiles Asio with BOOST_ASIO_HAS_PTHREADS=1"
#endif

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
#include <condition_variable>
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

namespace weir::detail::asio_backend {

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
inline op_state* state_of(io_op* op) noexcept {
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
inline constexpr std::size_t max_io = 0x7ffff000;

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
inline std::int64_t to_result(const error_code& ec, std::size_t n) noexcept {
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
inline std::int64_t sent_result(const error_code& ec, std::size_t n) noexcept {
    if (ec == asio::error::operation_aborted && n > 0) return static_cast<std::int64_t>(n);
    return to_result(ec, n);
}

/// Where a datagram receive (recv_from, or recv on a UDP socket) lands, with the sender's
/// address; owned by the operation's handler, so it outlives a cancellation. On Windows the
/// datagram lands in a buffer of its own that holds any datagram: under IOCP, a datagram
/// larger than the receive buffer fails WSARecvFrom at once with WSAEMSGSIZE, a status whose
/// completion packet still arrives, so Asio (which takes it for a failed start) completes the
/// operation twice (a double free: crashes under Wine); and it hides the cut. Landing whole,
/// the part that fits is copied out and the result is the datagram's full size, as MSG_TRUNC
/// gives on Linux (io.hpp). Elsewhere the datagram goes straight to the caller's buffer.
struct datagram_in {
    static constexpr std::size_t max_datagram = 65536;  // above any UDP payload (65,527 bytes)
    dgram_proto::endpoint from;
    std::unique_ptr<std::byte[]> landing;  // Windows, when op's buffer could cut a datagram

    explicit datagram_in(const io_op* op);
    asio::mutable_buffer target(io_op* op) const noexcept;
    /// The receive's result for op: the datagram's full size (more than op->len when cut),
    /// with what fits copied to op's buffer, or minus an errno.
    std::int64_t result(io_op* op, const error_code& ec, std::size_t n) const noexcept;
};

/// Operations a helper thread runs as a blocking call; they cannot be cancelled.
inline bool runs_on_helper(io_kind k) noexcept {
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
inline void release(handle_object& h) noexcept {
    with_object(h, [](auto& o, error_code& ec) { o.release(ec); });
}
/// Cancels every operation pending on the handle (they complete with operation_aborted).
inline void cancel_all(handle_object& h) noexcept {
    with_object(h, [](auto& o, error_code& ec) { o.cancel(ec); });
}
/// Closes the handle through its object (which also drops it from the reactor).
inline void close(handle_object& h) noexcept {
    with_object(h, [](auto& o, error_code& ec) { o.close(ec); });
}

class asio_driver final : public driver, public io_driver {
public:
    asio_driver();
    ~asio_driver() override;

    // ---- parker (asio_driver.cpp) ----
    void park(std::int64_t timeout_ns) override;
    void unpark() noexcept override;
    bool consume_unpark() noexcept override { return state_.consume(); }
    const char* name() const noexcept override { return "asio"; }
    io_driver* io() noexcept override { return this; }
    void poll() noexcept override;
    void shutdown() noexcept override;

    // ---- io_driver (asio_driver.cpp) ----
    void submit(io_op* op) noexcept override;
    void cancel(io_op* op) noexcept override;
    const char* io_name() const noexcept override { return "asio"; }
    /// For io_release_handle (asio_driver.cpp says more).
    bool knows(std::intptr_t h) noexcept;
    int forget(std::intptr_t h, bool may_close) noexcept;
    /// A blocking call on a helper thread (asio_files.cpp).
    struct helper_job;

private:
    // ---- the life of an operation (asio_driver.cpp) ----
    void run_ready() noexcept;
    std::int64_t close_now(std::intptr_t h) noexcept;
    void post_result(io_op* op, std::int64_t r) noexcept;
    void complete(io_op* op, std::int64_t r) noexcept;
    void on_cancel(io_op* op) noexcept;
    void report(io_op* op) noexcept;
    void finish_silently(io_op* op) noexcept;

    // ---- sockets (asio_sockets.cpp) ----
    void start(io_op* op);
    static asio::socket_base::message_flags recv_flags(const io_op* op) noexcept;
    template <class T>
    T* object(io_op* op, int& err);
    static int family_of(io_op* op) noexcept;

    // ---- accepts (asio_accept.cpp) ----
#ifndef _WIN32
    void accept_or_wait(io_op* op, stream_acceptor& a);
    void on_acceptable(io_op* op, const error_code& ec) noexcept;
#else
    void on_accepted(io_op* op, const error_code& ec, stream_proto::socket peer);
#endif

    // ---- files (asio_files.cpp) ----
    void start_file(io_op* op);
#ifdef _WIN32
    file_object* file_for(io_op* op);
    void file_vec_step(io_op* op, file_object& f, std::size_t i, std::size_t done);
    void on_file_vec_step(io_op* op, std::size_t i, std::size_t done, const error_code& ec,
                          std::size_t n) noexcept;
#endif
    // ---- blocking calls on helper threads (asio_files.cpp) ----
    void start_on_helper(io_op* op);
    void run_helper_job(helper_job& job) noexcept;
    std::size_t abandon_helper_jobs() noexcept;

    // ---- shared by the files above ----
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

#ifdef _WIN32
    static SOCKET native(std::intptr_t h) noexcept { return static_cast<SOCKET>(h); }
    static int to_errno(int win_error) noexcept {
        error_code ec(win_error, boost::system::system_category());
        return static_cast<int>(-to_result(ec, 0));
    }
#else
    static int native(std::intptr_t h) noexcept { return static_cast<int>(h); }
#endif

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
    // Jobs handed to the pool and not reported yet (under pool_lock_); pool_idle_ is notified
    // when the last one is reported, for shutdown's bounded wait.
    std::vector<std::shared_ptr<helper_job>> helper_jobs_;
    std::condition_variable pool_idle_;
};

}  // namespace weir::detail::asio_backend

// Linux io_uring driver (liburing). One ring per runtime. The timer owner parks on it: a single
// io_uring_enter waits for I/O completions and the next timer deadline at once (the timeout goes
// in as an extended argument, no timeout request). unpark() is a write to an eventfd that the
// ring always has a read pending on, and only happens when the owner is really asleep (the
// parked/notified state word, as in the thread parker), so a busy runtime makes no wake-up
// syscalls. Busy workers reap completions through poll() during maintenance.
//
// Threads: submissions from any thread go through sq_lock_ (the submission queue is single
// producer); completions are reaped by whoever holds cq_lock_ (the parked owner, or a worker in
// poll() that got the lock without waiting). Each completion is reported exactly once.
//
// Teardown (shutdown): every pending request is cancelled in the kernel and waited for before
// the frames they point into are destroyed. Kernels from 5.19 cancel them all with one
// IORING_ASYNC_CANCEL_ANY request; older ones (5.11-5.18, e.g. Ubuntu 22.04's 5.15) refuse that
// flag, so there the driver keeps a list of the operations in flight (probed once at setup) and
// cancels them one by one by user_data. WEIR_URING_NO_CANCEL_ANY=1 pretends the flag is missing,
// so the tests run that path here; WEIR_URING_SHORT_SUBMITS=1 makes every io_uring_enter hand
// over one entry at most, as a kernel short of memory would, for the tests of enter().
// How each kind of operation becomes a submission entry is in uring_prep.cpp.
#include <liburing.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>

#include "../common/park_state.hpp"
#include "uring_op.hpp"
#include "weir/detail/io.hpp"
#include "weir/detail/parker.hpp"

namespace weir::detail {
namespace {

using namespace uring;  // the operations' room, tags and prep (uring_op.hpp)

/// The driver's settings, found at setup.
struct uring_setup {
    bool cancel_any = true;      // the kernel knows IORING_ASYNC_CANCEL_ANY
    bool short_submits = false;  // WEIR_URING_SHORT_SUBMITS: one entry per io_uring_enter
};

class uring_driver final : public driver, public io_driver {
public:
    uring_driver(io_uring ring, int efd, uring_setup setup)
        : ring_(ring), efd_(efd), track_(!setup.cancel_any), short_submits_(setup.short_submits) {}
    ~uring_driver() override {
        io_uring_queue_exit(&ring_);
        ::close(efd_);
    }

    // ---- parker ----
    void park(std::int64_t timeout_ns) override {
        if (state_.take_notification()) return;
        if (timeout_ns == 0) {
            poll();
            return;
        }
        std::lock_guard<std::mutex> cq(cq_lock_);
        if (!state_.begin_sleep()) {  // notified meanwhile
            reap_locked();
            return;
        }
        unsigned tail;
        {
            std::lock_guard<std::mutex> sq(sq_lock_);
            if (!eventfd_armed_) {
                io_uring_sqe* sqe = get_sqe_locked();
                io_uring_prep_read(sqe, efd_, &eventfd_value_, sizeof eventfd_value_, 0);
                io_uring_sqe_set_data64(sqe, tag_eventfd);
                eventfd_armed_ = true;
            }
            tail = publish_locked();
        }
        enter(tail);  // everything queued goes to the kernel before we sleep
        io_uring_cqe* cqe = nullptr;
        __kernel_timespec ts{};
        __kernel_timespec* tsp = nullptr;
        if (timeout_ns > 0) {
            ts.tv_sec = timeout_ns / 1'000'000'000;
            ts.tv_nsec = timeout_ns % 1'000'000'000;
            tsp = &ts;
        }
        io_uring_wait_cqe_timeout(&ring_, &cqe, tsp);  // -ETIME, -EINTR: just return
        state_.end_sleep();
        reap_locked();
    }

    void unpark() noexcept override {
        if (state_.notify()) {
            std::uint64_t one = 1;
            ssize_t r = ::write(efd_, &one, sizeof one);
            (void)r;  // EAGAIN only if the counter is saturated: the owner is awake then
        }
    }

    bool consume_unpark() noexcept override { return state_.consume(); }

    const char* name() const noexcept override { return "uring"; }
    io_driver* io() noexcept override { return this; }

    void poll() noexcept override {
        flush();
        // Nothing in flight, nothing to reap (an armed eventfd read waits for the next park).
        // Without this look every worker took the shared cq_lock_ every event_interval polls:
        // 3.7% of yield_many's samples with two workers, in pthread_mutex_trylock.
        if (inflight_.load(std::memory_order_relaxed) == 0) return;
        if (!cq_lock_.try_lock()) return;  // someone is reaping already
        reap_locked();
        cq_lock_.unlock();
    }

    // ---- io_driver ----
    void submit(io_op* op) noexcept override {
        inflight_.fetch_add(1, std::memory_order_relaxed);
        bool now = !(op->flags & io_flag_deferrable);
        unsigned tail = 0;
        {
            std::lock_guard<std::mutex> sq(sq_lock_);
            io_uring_sqe* sqe = get_sqe_locked();
            op_room* room = new (op->scratch) op_room;  // no initialisation: prep fills it
            prep(sqe, op, room);
            io_uring_sqe_set_data(sqe, op);
            if (track_) link_locked(op, room);
            // From a worker, no io_uring_enter here: the queue goes to the kernel in batches
            // (flush() when the worker runs out of tasks, park, poll), so a busy worker pays one
            // syscall for many operations. Others submit at once: no worker flushes for them.
            if (now)
                tail = publish_locked();
            else
                unflushed_.store(true, std::memory_order_relaxed);
        }
        if (now) enter(tail);
    }

    // A send on a socket is tried at once with MSG_DONTWAIT: with room in the socket buffer (the
    // usual case) that is one plain syscall on this thread, where the ring would do the same
    // socket work inside io_uring_enter under the ring's lock, one worker at a time (measured:
    // tcp_echo_loopback with 2 workers, 9.6 -> 5.7 us per round trip). Receives are not tried:
    // in request/response traffic the data is rarely there yet, and the failed call cost more
    // than it saved (10.5 -> 11.1 us with 1 worker).
    // A vectored send likewise, with sendmsg.
    bool try_now(io_op* op) noexcept override {
        ssize_t r;
        if (op->kind == io_kind::send) {
            r = ::send(static_cast<int>(op->handle), op->buf, op->len, MSG_DONTWAIT | MSG_NOSIGNAL);
        } else if (op->kind == io_kind::send_vec) {
            msghdr msg{};
            msg.msg_iov = iovecs_of(op);
            msg.msg_iovlen = op->len;
            r = ::sendmsg(static_cast<int>(op->handle), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
        } else {
            return false;
        }
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
        op->result = r < 0 ? -errno : r;
        return true;
    }

    void flush() noexcept override {
        if (!unflushed_.load(std::memory_order_relaxed)) return;
        unsigned tail;
        {
            std::lock_guard<std::mutex> sq(sq_lock_);
            tail = publish_locked();
        }
        enter(tail);
    }

    // The cancellation is in the kernel, and done, when this returns (enter() waits until the
    // kernel has taken it, and a cancel by user_data runs when it is taken). So it cannot
    // outlive op and hit a later operation that reuses op's address.
    void cancel(io_op* op) noexcept override {
        unsigned tail;
        {
            std::lock_guard<std::mutex> sq(sq_lock_);
            io_uring_sqe* sqe = get_sqe_locked();
            io_uring_prep_cancel(sqe, op, 0);
            io_uring_sqe_set_data64(sqe, tag_cancel);
            tail = publish_locked();
        }
        enter(tail);
    }

    const char* io_name() const noexcept override { return "uring"; }

    /// Cancels every pending request and waits (bounded) until the kernel has completed them
    /// all, without reporting: the frames whose buffers they use are about to be destroyed,
    /// and a socket's close does not end a request that holds the file. Connections accepted
    /// meanwhile are closed (nobody will take them).
    void shutdown() noexcept override {
        std::lock_guard<std::mutex> cq(cq_lock_);
        if (closing_) return;
        closing_ = true;
        if (inflight_.load(std::memory_order_acquire) == 0) return;
        unsigned tail;
        {
            std::lock_guard<std::mutex> sq(sq_lock_);
            if (!track_) {
                io_uring_sqe* sqe = get_sqe_locked();
                io_uring_prep_cancel(sqe, nullptr, IORING_ASYNC_CANCEL_ANY);
                io_uring_sqe_set_data64(sqe, tag_cancel_all);
            } else {  // no CANCEL_ANY: one cancellation per operation in flight
                for (io_op* op = tracked_; op; op = room_of(op)->next) {
                    io_uring_sqe* sqe = get_sqe_locked();
                    io_uring_prep_cancel(sqe, op, 0);
                    io_uring_sqe_set_data64(sqe, tag_cancel);
                }
            }
            tail = publish_locked();
        }
        enter(tail);
        // No early exit: the frames must outlive every request (one the kernel cannot
        // interrupt, a file read in its worker pool, completes by itself).
        auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (inflight_.load(std::memory_order_acquire) > 0 &&
               std::chrono::steady_clock::now() < give_up) {
            io_uring_cqe* cqe = nullptr;
            __kernel_timespec ts{0, 10'000'000};
            io_uring_wait_cqe_timeout(&ring_, &cqe, &ts);
            reap_locked();
        }
    }

private:
    // Under sq_lock_: makes the prepared entries visible to the kernel (what liburing's submit
    // does before its syscall) and returns the queue's tail, up to which the kernel must take
    // them. The io_uring_enter that hands them over is made after the lock is released
    // (enter), so submitters on other threads do not wait behind a syscall.
    unsigned publish_locked() noexcept {
        unflushed_.store(false, std::memory_order_relaxed);
        io_uring_sq* sq = &ring_.sq;
        unsigned tail = sq->sqe_tail;
        if (tail != sq->sqe_head) {
            sq->sqe_head = tail;
            io_uring_smp_store_release(sq->ktail, tail);  // the entries before the tail
        }
        return tail;
    }

    // Hands the kernel every entry up to tail. io_uring_enter may take fewer than it is told
    // (no memory for requests, or another thread's enter took some first, so ours come after
    // theirs), and entries left behind would wait for an unrelated later submission: so enter
    // again until the kernel's head has passed tail. Concurrent enters share the work: each
    // asks for what is left, and the kernel takes what is there. If the kernel takes nothing
    // (-EAGAIN, or -EBUSY while completions wait to be reaped), the entries are left to the
    // next flush or park, and the owner is woken to do one.
    void enter(unsigned tail) noexcept {
        for (;;) {
            unsigned head = io_uring_smp_load_acquire(ring_.sq.khead);
            auto left = static_cast<int>(tail - head);
            if (left <= 0) return;
            unsigned ask = short_submits_ ? 1u : static_cast<unsigned>(left);
            int r = io_uring_enter(static_cast<unsigned>(ring_.ring_fd), ask, 0, 0, nullptr);
            if (r > 0 || r == -EINTR) continue;
            if (io_uring_smp_load_acquire(ring_.sq.khead) != head) continue;  // others took some
            unflushed_.store(true, std::memory_order_relaxed);
            unpark();
            return;
        }
    }

    // Under sq_lock_: the list of operations in flight (only without CANCEL_ANY).
    void link_locked(io_op* op, op_room* room) noexcept {
        room->prev = nullptr;
        room->next = tracked_;
        if (tracked_) room_of(tracked_)->prev = op;
        tracked_ = op;
    }
    void unlink_locked(io_op* op) noexcept {
        op_room* room = room_of(op);
        if (room->prev)
            room_of(room->prev)->next = room->next;
        else
            tracked_ = room->next;
        if (room->next) room_of(room->next)->prev = room->prev;
    }

    // Under sq_lock_. A full submission queue is flushed to the kernel to make room.
    io_uring_sqe* get_sqe_locked() noexcept {
        io_uring_sqe* sqe;
        while (!(sqe = io_uring_get_sqe(&ring_))) io_uring_submit(&ring_);
        return sqe;
    }

    // Under cq_lock_. Completions are taken in batches. The kernel only completes an operation
    // after its submission, but neither the C++ memory model nor ThreadSanitizer can see that
    // order through the ring; taking sq_lock_ once after peeking a batch makes it explicit: every
    // operation in the batch was submitted under that lock before we could see its completion.
    void reap_locked() noexcept {
        io_uring_cqe* batch[64];
        for (;;) {
            unsigned n = io_uring_peek_batch_cqe(&ring_, batch, 64);
            if (n == 0) return;
            struct done {
                std::uint64_t data;
                std::int32_t res;
            } items[64];
            for (unsigned i = 0; i < n; ++i)
                items[i] = {io_uring_cqe_get_data64(batch[i]), batch[i]->res};
            io_uring_cq_advance(&ring_, n);
            {
                std::lock_guard<std::mutex> sq(sq_lock_);
                for (unsigned i = 0; i < n; ++i) {
                    std::uint64_t data = items[i].data;
                    if (data == tag_eventfd) eventfd_armed_ = false;
                    if (track_ && !is_tag(data)) unlink_locked(reinterpret_cast<io_op*>(data));
                }
            }
            for (unsigned i = 0; i < n; ++i) {
                std::uint64_t data = items[i].data;
                if (is_tag(data)) continue;
                io_op* op = reinterpret_cast<io_op*>(data);
                inflight_.fetch_sub(1, std::memory_order_release);
                if (closing_) {  // the runtime is going away: nobody must be woken
                    if (op->kind == io_kind::accept && items[i].res >= 0) ::close(items[i].res);
                    continue;
                }
                op->result = items[i].res;
                op->complete(op);  // its waiter may free op at once: do not touch it after
            }
        }
    }

    static bool is_tag(std::uint64_t data) noexcept { return data < 8; }

    io_uring ring_;
    int efd_;
    const bool track_;          // keep the list of operations in flight (no CANCEL_ANY)
    const bool short_submits_;  // WEIR_URING_SHORT_SUBMITS
    io_op* tracked_ = nullptr;  // that list; guarded by sq_lock_
    std::uint64_t eventfd_value_ = 0;
    bool eventfd_armed_ = false;  // guarded by sq_lock_
    std::mutex sq_lock_;
    std::mutex cq_lock_;
    park_state state_;
    std::atomic<std::int64_t> inflight_{0};  // submitted operations not yet reaped
    std::atomic<bool> unflushed_{false};     // operations queued but not yet handed over
    bool closing_ = false;                   // guarded by cq_lock_
};

bool env_is(const char* name) {
    const char* v = std::getenv(name);
    return v && std::strcmp(v, "1") == 0;
}

/// Whether the kernel knows IORING_ASYNC_CANCEL_ANY (5.19): a cancel of "anything" on an empty
/// ring gives -ENOENT there, -EINVAL before.
bool probe_cancel_any(io_uring& ring) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    if (!sqe) return false;
    io_uring_prep_cancel(sqe, nullptr, IORING_ASYNC_CANCEL_ANY);
    io_uring_sqe_set_data64(sqe, tag_probe);
    if (io_uring_submit_and_wait(&ring, 1) < 1) return false;
    io_uring_cqe* cqe = nullptr;
    if (io_uring_peek_cqe(&ring, &cqe) != 0 || !cqe) return false;
    bool known = cqe->res != -EINVAL;
    io_uring_cqe_seen(&ring, cqe);
    return known;
}

}  // namespace

/// The uring driver, or null if io_uring cannot be set up here (old kernel, a container that
/// forbids io_uring_setup) or WEIR_URING_FAIL_SETUP=1 asks to behave as if it could not.
std::unique_ptr<driver> make_uring_driver() {
    if (env_is("WEIR_URING_FAIL_SETUP")) return nullptr;
    io_uring ring;
    // COOP_TASKRUN: completions are finished when a thread next enters the kernel, not by
    // interrupting whichever thread submitted the request (which then fights the other
    // workers for the ring's lock on its way back to user space). Older kernels refuse it.
    io_uring_params params{};
    params.flags = IORING_SETUP_COOP_TASKRUN;
    if (io_uring_queue_init_params(256, &ring, &params) < 0) {
        params = io_uring_params{};
        if (io_uring_queue_init_params(256, &ring, &params) < 0) return nullptr;
    }
    if (!(ring.features & IORING_FEAT_EXT_ARG)) {  // the timeout must not need an SQE
        io_uring_queue_exit(&ring);
        return nullptr;
    }
    int efd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (efd < 0) {
        io_uring_queue_exit(&ring);
        return nullptr;
    }
    uring_setup setup;
    setup.cancel_any = !env_is("WEIR_URING_NO_CANCEL_ANY") && probe_cancel_any(ring);
    setup.short_submits = env_is("WEIR_URING_SHORT_SUBMITS");
    return std::make_unique<uring_driver>(ring, efd, setup);
}

}  // namespace weir::detail

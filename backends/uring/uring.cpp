// Linux io_uring driver (liburing). Its rings (uring_rings.hpp says which operation goes where):
// a shared one, which the timer owner parks on, and one per worker when two or more do I/O. The
// owner's single io_uring_enter waits for completions and the next timer deadline at once (the
// timeout goes in as an extended argument, no timeout request). unpark() is a write to an eventfd
// that the shared ring always has a read pending on, and only happens when the owner is really
// asleep (the parked/notified state word, as in the thread parker), so a busy runtime makes no
// wake-up syscalls. The worker rings signal the same eventfd with every completion, so a parked
// owner reaps them all. Busy workers reap their own ring through poll() during maintenance, and
// another ring only when its completions waited since their last look (a worker inside one long
// poll). A cancel goes to the ring its operation went to (op_room::slot).
// WEIR_URING_SHARED_ONLY=1 keeps every operation on the shared ring, for comparison and tests.
//
// Threads: submissions to a ring go through its sq_lock (a submission queue is single producer);
// its completions are reaped by whoever holds its cq_lock (the parked owner, or a worker in poll()
// that got the lock without waiting). Each completion is reported exactly once.
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
#include "uring_rings.hpp"
#include "weir/detail/io.hpp"
#include "weir/detail/parker.hpp"

namespace weir::detail {
namespace {

using namespace uring;  // the operations' room, tags and prep (uring_op.hpp), rings

/// The driver's settings, found at setup.
struct uring_setup {
    bool cancel_any = true;      // the kernel knows IORING_ASYNC_CANCEL_ANY
    bool short_submits = false;  // WEIR_URING_SHORT_SUBMITS: one entry per io_uring_enter
    bool worker_rings = true;    // WEIR_URING_SHARED_ONLY=1: every operation on the shared ring
};

class uring_driver final : public driver, public io_driver {
public:
    uring_driver(io_uring ring, int efd, uring_setup setup)
        : efd_{efd},
          rings_(ring, efd, setup.worker_rings),
          shared_(rings_.shared()),
          track_(!setup.cancel_any),
          short_submits_(setup.short_submits) {}

    // ---- parker ----
    void park(std::int64_t timeout_ns) override {
        if (state_.take_notification()) return;
        if (timeout_ns == 0) {
            poll();
            return;
        }
        // Entries a busy worker left queued on its ring go to the kernel now (the owner wakes
        // at least every lifo_watch_interval while a worker runs: parking.cpp).
        flush_stuck(rings_.own_if_known());
        std::lock_guard<std::mutex> cq(shared_.cq_lock);
        bool armed;
        {
            std::lock_guard<std::mutex> sq(shared_.sq_lock);
            armed = eventfd_armed_;
        }
        if (!armed) {
            // The worker rings signal the eventfd with every completion, whether or not an owner
            // sleeps. Drain what they counted while nobody read it and reap what they posted,
            // or the read armed below would end this sleep at once. Before begin_sleep: an
            // unpark meant for this sleep writes only after it, so none is drained here.
            // Each ring's lock is waited for, not tried: a worker that holds it may have looked
            // just before a completion whose count is drained here, and then park.
            // What that reaping reports may wake tasks into this worker's own queue, which it
            // must then run rather than sleep on: return as from a wake.
            std::uint64_t counted;
            ssize_t r = ::read(efd_.fd, &counted, sizeof counted);  // nonblocking
            (void)r;
            std::size_t reported = 0;
            rings_.for_each([&](ring_slot& w) {
                if (&w == &shared_) return;
                std::lock_guard<std::mutex> wcq(w.cq_lock);
                reported += reap_locked(w);
            });
            if (reported > 0) return;
        }
        if (!state_.begin_sleep()) {  // notified meanwhile
            reap_locked(shared_);
            reap_workers();
            return;
        }
        unsigned tail;
        {
            std::lock_guard<std::mutex> sq(shared_.sq_lock);
            if (!eventfd_armed_) {
                io_uring_sqe* sqe = shared_.get_sqe_locked();
                io_uring_prep_read(sqe, efd_.fd, &eventfd_value_, sizeof eventfd_value_, 0);
                io_uring_sqe_set_data64(sqe, tag_eventfd);
                eventfd_armed_ = true;
            }
            tail = shared_.publish_locked();
        }
        enter(shared_, tail);  // everything queued goes to the kernel before we sleep
        io_uring_cqe* cqe = nullptr;
        __kernel_timespec ts{};
        __kernel_timespec* tsp = nullptr;
        if (timeout_ns > 0) {
            ts.tv_sec = timeout_ns / 1'000'000'000;
            ts.tv_nsec = timeout_ns % 1'000'000'000;
            tsp = &ts;
        }
        io_uring_wait_cqe_timeout(&shared_.ring, &cqe, tsp);  // -ETIME, -EINTR: just return
        state_.end_sleep();
        reap_locked(shared_);
        reap_workers();
    }

    void unpark() noexcept override {
        if (state_.notify()) {
            std::uint64_t one = 1;
            ssize_t r = ::write(efd_.fd, &one, sizeof one);
            (void)r;  // EAGAIN only if the counter is saturated: the owner is awake then
        }
    }

    bool consume_unpark() noexcept override { return state_.consume(); }

    const char* name() const noexcept override { return "uring"; }
    io_driver* io() noexcept override { return this; }

    // A busy worker reaps its own ring. Another ring it reaps only when that ring's completions
    // have waited since a previous look (stranded: the ring's worker is inside one long poll, or
    // parked, and no owner sleeps to be woken by them), and hands its queued entries to the
    // kernel only when they have waited likewise (stuck), so operations stay with the worker
    // that submitted them: reaping the others' rings every time moved their tasks across cores.
    void poll() noexcept override {
        flush();
        ring_slot* own = rings_.own_if_known();
        flush_stuck(own);
        // Nothing in flight, nothing to reap (an armed eventfd read waits for the next park).
        // Without this look every worker took the shared cq_lock every event_interval polls:
        // 3.7% of yield_many's samples with two workers, in pthread_mutex_trylock.
        if (inflight_.load(std::memory_order_relaxed) == 0) return;
        rings_.for_each([&](ring_slot& r) {
            if (&r != own && !ring_set::stranded(r)) return;
            if (!r.cq_lock.try_lock()) return;  // someone is reaping it already
            reap_locked(r);
            r.cq_lock.unlock();
        });
    }

    // ---- io_driver ----
    void submit(io_op* op) noexcept override {
        inflight_.fetch_add(1, std::memory_order_relaxed);
        bool now = !(op->flags & io_flag_deferrable);
        ring_slot& slot = now ? shared_ : rings_.own();
        unsigned tail = 0;
        {
            std::lock_guard<std::mutex> sq(slot.sq_lock);
            io_uring_sqe* sqe = slot.get_sqe_locked();
            op_room* room = new (op->scratch) op_room;  // no initialisation: prep fills it
            prep(sqe, op, room);
            room->slot = &slot;
            io_uring_sqe_set_data(sqe, op);
            if (track_) link(op, room);
            // From a worker, no io_uring_enter here: the queue goes to the kernel in batches
            // (the worker's flush() when it runs out of tasks, and its poll every event_interval
            // tasks), so a busy worker pays one syscall for many operations. Entries a worker
            // leaves queued through one long poll go at another worker's poll or the owner's
            // park (flush_stuck). Others submit at once: no worker flushes for them.
            if (now)
                tail = slot.publish_locked();
            else
                slot.unflushed.store(true, std::memory_order_relaxed);
        }
        if (now) enter(slot, tail);
    }

    // From a worker with rings per worker, a send goes to the worker's ring like everything
    // else: the ring hands many operations to the kernel in one io_uring_enter, where a send
    // tried at once costs a syscall each (tcp_echo_loopback, 2 workers: 5.1 -> 4.2 us a round
    // trip; 1 worker: 3.3 -> 3.0). From any other thread, and with one ring for all workers
    // (WEIR_URING_SHARED_ONLY, where the ring's lock made ring sends slow: 9.6 against 5.7 us
    // with 2 workers), a send is tried at once with MSG_DONTWAIT: with room in the socket buffer
    // (the usual case) that is one plain syscall and no suspension. A vectored send likewise,
    // with sendmsg. Receives are never tried: in request/response traffic the data is rarely
    // there yet, and the failed call cost more than it saved (10.5 -> 11.1 us with 1 worker).
    bool try_now(io_op* op) noexcept override {
        if ((op->flags & io_flag_deferrable) && rings_.sends_through_ring()) return false;
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
        ring_slot* own = rings_.own_if_known();
        if (own && own != &shared_) flush(*own);
        flush(shared_);
        // What the kernel finished inside that enter on a ring of the worker's own (a send with
        // room in the socket buffer) is reaped now: the worker may be about to park on its own
        // parker, and would leave it to a wake of the owner, which would run the task on its
        // own core. (The shared ring's completions wake the owner directly; its owner
        // processes due timers before it reaps them, which the cancel-safety tests rely on to
        // race a completed read against its deadline.)
        if (own && own != &shared_ && own->completions_waiting() && own->cq_lock.try_lock()) {
            reap_locked(*own);
            own->cq_lock.unlock();
        }
    }

    // The cancellation is in the kernel, and done, when this returns (enter() waits until the
    // kernel has taken it, and a cancel by user_data runs when it is taken). So it cannot
    // outlive op and hit a later operation that reuses op's address. It goes to the ring op
    // went to, the only one that knows it.
    void cancel(io_op* op) noexcept override {
        ring_slot& slot = *room_of(op)->slot;
        unsigned tail;
        {
            std::lock_guard<std::mutex> sq(slot.sq_lock);
            io_uring_sqe* sqe = slot.get_sqe_locked();
            io_uring_prep_cancel(sqe, op, 0);
            io_uring_sqe_set_data64(sqe, tag_cancel);
            tail = slot.publish_locked();
        }
        enter(slot, tail);
    }

    const char* io_name() const noexcept override { return "uring"; }

    /// Cancels every pending request and waits (bounded) until the kernel has completed them
    /// all, without reporting: the frames whose buffers they use are about to be destroyed,
    /// and a socket's close does not end a request that holds the file. Connections accepted
    /// meanwhile are closed (nobody will take them).
    void shutdown() noexcept override {
        std::lock_guard<std::mutex> cq(shared_.cq_lock);
        if (closing_.exchange(true)) return;
        if (inflight_.load(std::memory_order_acquire) == 0) return;
        rings_.for_each([&](ring_slot& slot) {
            unsigned tail;
            {
                std::lock_guard<std::mutex> sq(slot.sq_lock);
                if (!track_) {
                    io_uring_sqe* sqe = slot.get_sqe_locked();
                    io_uring_prep_cancel(sqe, nullptr, IORING_ASYNC_CANCEL_ANY);
                    io_uring_sqe_set_data64(sqe, tag_cancel_all);
                } else {  // no CANCEL_ANY: one cancellation per operation in flight
                    std::lock_guard<std::mutex> t(track_lock_);
                    for (io_op* op = tracked_; op; op = room_of(op)->next) {
                        if (room_of(op)->slot != &slot) continue;
                        io_uring_sqe* sqe = slot.get_sqe_locked();
                        io_uring_prep_cancel(sqe, op, 0);
                        io_uring_sqe_set_data64(sqe, tag_cancel);
                    }
                }
                tail = slot.publish_locked();
            }
            enter(slot, tail);
        });
        // No early exit: the frames must outlive every request (one the kernel cannot
        // interrupt, a file read in its worker pool, completes by itself).
        auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (inflight_.load(std::memory_order_acquire) > 0 &&
               std::chrono::steady_clock::now() < give_up) {
            io_uring_cqe* cqe = nullptr;
            // Short waits: the cancel-all took the eventfd read too, so completions on the
            // worker rings do not end a wait on the shared one.
            __kernel_timespec ts{0, 1'000'000};
            io_uring_wait_cqe_timeout(&shared_.ring, &cqe, &ts);
            rings_.for_each([&](ring_slot& r) {
                if (&r == &shared_) {
                    reap_locked(r);  // its cq_lock is ours already
                    return;
                }
                std::lock_guard<std::mutex> rcq(r.cq_lock);
                reap_locked(r);
            });
        }
    }

private:
    // Hands to the kernel what other workers left queued on their rings (ring_set::stuck).
    void flush_stuck(ring_slot* own) noexcept {
        rings_.for_each([&](ring_slot& r) {
            if (&r != own && ring_set::stuck(r)) flush(r);
        });
    }

    // Reaps the worker rings that nobody else is reaping (the owner after its sleep).
    void reap_workers() noexcept {
        rings_.for_each([&](ring_slot& r) {
            if (&r == &shared_ || !r.cq_lock.try_lock()) return;
            reap_locked(r);
            r.cq_lock.unlock();
        });
    }

    void flush(ring_slot& slot) noexcept {
        if (!slot.unflushed.load(std::memory_order_relaxed)) return;
        unsigned tail;
        {
            std::lock_guard<std::mutex> sq(slot.sq_lock);
            tail = slot.publish_locked();
        }
        enter(slot, tail);
    }

    // Hands the kernel every entry up to tail. io_uring_enter may take fewer than it is told
    // (no memory for requests, or another thread's enter took some first, so ours come after
    // theirs), and entries left behind would wait for an unrelated later submission: so enter
    // again until the kernel's head has passed tail. Concurrent enters share the work: each
    // asks for what is left, and the kernel takes what is there. If the kernel takes nothing
    // (-EAGAIN, or -EBUSY while completions wait to be reaped), the entries are left to the
    // next flush or park, marked for retry, and the owner is woken: its park hands over what
    // any ring has marked so (flush_stuck).
    void enter(ring_slot& slot, unsigned tail) noexcept {
        for (;;) {
            unsigned head = io_uring_smp_load_acquire(slot.ring.sq.khead);
            auto left = static_cast<int>(tail - head);
            if (left <= 0) return;
            unsigned ask = short_submits_ ? 1u : static_cast<unsigned>(left);
            int r = io_uring_enter(static_cast<unsigned>(slot.ring.ring_fd), ask, 0, 0, nullptr);
            if (r > 0 || r == -EINTR) continue;
            if (io_uring_smp_load_acquire(slot.ring.sq.khead) != head)
                continue;  // others took some
            slot.unflushed.store(true, std::memory_order_relaxed);
            slot.retry.store(true, std::memory_order_relaxed);
            unpark();
            return;
        }
    }

    // The list of operations in flight (only without CANCEL_ANY), under track_lock_.
    void link(io_op* op, op_room* room) noexcept {
        std::lock_guard<std::mutex> t(track_lock_);
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

    // Under the slot's cq_lock. Completions are taken in batches. The kernel only completes an
    // operation after its submission, but neither the C++ memory model nor ThreadSanitizer can
    // see that order through the ring; taking the slot's sq_lock once after peeking a batch
    // makes it explicit: every operation in the batch was submitted under that lock before we
    // could see its completion.
    // Returns how many operations it reported.
    std::size_t reap_locked(ring_slot& slot) noexcept {
        std::size_t reported = 0;
        io_uring_cqe* batch[64];
        for (;;) {
            unsigned n = io_uring_peek_batch_cqe(&slot.ring, batch, 64);
            if (n == 0) return reported;
            struct done {
                std::uint64_t data;
                std::int32_t res;
            } items[64];
            for (unsigned i = 0; i < n; ++i)
                items[i] = {io_uring_cqe_get_data64(batch[i]), batch[i]->res};
            io_uring_cq_advance(&slot.ring, n);
            {
                std::lock_guard<std::mutex> sq(slot.sq_lock);
                for (unsigned i = 0; i < n; ++i)
                    if (items[i].data == tag_eventfd) eventfd_armed_ = false;
            }
            if (track_) {
                std::lock_guard<std::mutex> t(track_lock_);
                for (unsigned i = 0; i < n; ++i)
                    if (!is_tag(items[i].data))
                        unlink_locked(reinterpret_cast<io_op*>(items[i].data));
            }
            bool closing = closing_.load(std::memory_order_relaxed);
            for (unsigned i = 0; i < n; ++i) {
                std::uint64_t data = items[i].data;
                if (is_tag(data)) continue;
                io_op* op = reinterpret_cast<io_op*>(data);
                inflight_.fetch_sub(1, std::memory_order_release);
                if (closing) {  // the runtime is going away: nobody must be woken
                    if (op->kind == io_kind::accept && items[i].res >= 0) ::close(items[i].res);
                    continue;
                }
                op->result = items[i].res;
                op->complete(op);  // its waiter may free op at once: do not touch it after
                ++reported;
            }
        }
    }

    static bool is_tag(std::uint64_t data) noexcept { return data < 8; }

    struct owned_fd {
        int fd;
        ~owned_fd() { ::close(fd); }
    } efd_;           // closed after the rings that signal it
    ring_set rings_;  // the shared ring and the workers' (uring_rings.hpp)
    ring_slot& shared_;
    const bool track_;          // keep the list of operations in flight (no CANCEL_ANY)
    const bool short_submits_;  // WEIR_URING_SHORT_SUBMITS
    std::mutex track_lock_;
    io_op* tracked_ = nullptr;  // that list; guarded by track_lock_
    std::uint64_t eventfd_value_ = 0;
    bool eventfd_armed_ = false;  // guarded by shared_.sq_lock
    park_state state_;
    std::atomic<std::int64_t> inflight_{0};  // submitted operations not yet reaped
    std::atomic<bool> closing_{false};
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
    if (!init_ring(ring)) return nullptr;
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
    setup.worker_rings = !env_is("WEIR_URING_SHARED_ONLY");
    return std::make_unique<uring_driver>(ring, efd, setup);
}

}  // namespace weir::detail

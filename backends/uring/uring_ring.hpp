// One io_uring with its two locks, of which the uring driver keeps several (uring_rings.hpp).
#pragma once

#include <liburing.h>

#include <atomic>
#include <mutex>

namespace weir::detail::uring {

/// A ring with COOP_TASKRUN where the kernel has it (completions are finished when a thread
/// next enters the kernel, not by interrupting whichever thread submitted the request); older
/// kernels refuse the flag and get a plain ring. False if none can be made.
inline bool init_ring(io_uring& ring) noexcept {
    io_uring_params params{};
    params.flags = IORING_SETUP_COOP_TASKRUN;
    if (io_uring_queue_init_params(256, &ring, &params) == 0) return true;
    params = io_uring_params{};
    return io_uring_queue_init_params(256, &ring, &params) == 0;
}

/// A ring, owned: sq_lock guards its submission queue (single producer), cq_lock the reaping of
/// its completion queue.
struct ring_slot {
    explicit ring_slot(io_uring r) noexcept : ring(r) {}
    ~ring_slot() { io_uring_queue_exit(&ring); }
    ring_slot(const ring_slot&) = delete;
    ring_slot& operator=(const ring_slot&) = delete;

    /// Under sq_lock: makes the prepared entries visible to the kernel (what liburing's submit
    /// does before its syscall) and returns the queue's tail, up to which the kernel must take
    /// them. The io_uring_enter that hands them over is made after the lock is released, so
    /// submitters on other threads do not wait behind a syscall.
    unsigned publish_locked() noexcept {
        unflushed.store(false, std::memory_order_relaxed);
        retry.store(false, std::memory_order_relaxed);
        publishes.fetch_add(1, std::memory_order_relaxed);
        io_uring_sq* sq = &ring.sq;
        unsigned tail = sq->sqe_tail;
        if (tail != sq->sqe_head) {
            sq->sqe_head = tail;
            io_uring_smp_store_release(sq->ktail, tail);  // the entries before the tail
        }
        return tail;
    }

    /// Whether completions wait in the queue, from any thread without its lock (atomic loads:
    /// liburing's io_uring_cq_ready reads the head plainly, a race for ThreadSanitizer).
    bool completions_waiting() const noexcept {
        return io_uring_smp_load_acquire(ring.cq.khead) != io_uring_smp_load_acquire(ring.cq.ktail);
    }

    /// Under sq_lock. A full submission queue is flushed to the kernel to make room.
    io_uring_sqe* get_sqe_locked() noexcept {
        io_uring_sqe* sqe;
        while (!(sqe = io_uring_get_sqe(&ring))) io_uring_submit(&ring);
        return sqe;
    }

    io_uring ring;
    std::mutex sq_lock;
    std::mutex cq_lock;
    std::atomic<bool> unflushed{false};  // entries queued but not yet handed over
    std::atomic<bool> retry{false};      // an io_uring_enter took none of them (enter's comment)
    std::atomic<unsigned> publishes{0};  // publish_locked calls, for the looks below

    /// What the last look from a thread that does not own the ring saw (ring_set::stranded and
    /// ring_set::stuck): completions still waiting, or entries still queued, at the next look
    /// were left by an owner inside one long poll. On a line of their own: other threads write
    /// them while the owner takes its locks.
    alignas(64) std::atomic<unsigned> looked_head{~0u};
    std::atomic<unsigned> looked_publishes{~0u};
};

}  // namespace weir::detail::uring

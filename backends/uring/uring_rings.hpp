// Which io_uring an operation goes to (the uring driver's ring set): the shared ring, for threads
// that are not workers and for the timer owner's park, and one ring for each worker that does I/O
// once two or more do. With a ring of its own, a worker's requests run their completion work in
// the kernel under its own ring's lock instead of all workers fighting for the one lock of a
// shared ring: tcp_echo_loopback with two workers spent 7% of its time spinning there, and went
// from 6.2 to 5.2 us a round trip with a ring per worker. A lone worker keeps the shared ring
// (own() says why). Each worker ring has the driver's eventfd registered, so every completion it
// posts also wakes a parked timer owner, which then reaps every ring.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "uring_ring.hpp"

namespace weir::detail::uring {

class ring_set {
public:
    /// Worker rings a set makes at most (further workers use the shared ring).
    static constexpr unsigned max_worker_rings = 64;

    /// `shared`: the ring the driver was set up with; `efd`: the eventfd the timer owner waits on;
    /// per_worker false (WEIR_URING_SHARED_ONLY=1): every operation on the shared ring.
    ring_set(io_uring shared, int efd, bool per_worker);
    ~ring_set();
    ring_set(const ring_set&) = delete;
    ring_set& operator=(const ring_set&) = delete;

    ring_slot& shared() noexcept { return shared_; }
    /// The calling worker's ring (made on demand: see the definition).
    ring_slot& own() noexcept;
    /// The calling thread's ring if it already has one (the shared ring for the first worker),
    /// else null.
    ring_slot* own_if_known() noexcept;
    /// Every ring: the shared one, then the worker rings in the order they were made.
    template <class F>
    void for_each(F&& f) {
        f(shared_);
        unsigned n = count_.load(std::memory_order_acquire);
        for (unsigned i = 0; i < n; ++i) f(*workers_[i].load(std::memory_order_acquire));
    }
    /// Whether r has completions that were already waiting at a previous look at it by a thread
    /// that does not own it (its owner is inside one long poll, or asleep with no timer owner
    /// to be woken): those another worker reaps for it.
    static bool stranded(ring_slot& r) noexcept;
    /// Whether r has entries queued that were already queued at a previous such look, or that
    /// an io_uring_enter refused: those another worker hands to the kernel for it.
    static bool stuck(ring_slot& r) noexcept;
    /// Whether the calling worker's sends should go through its ring (batched with its other
    /// operations) rather than be tried at once: yes when the ring is its own, or when it is the
    /// shared ring and no other worker uses rings (a lone worker); no where several workers
    /// share the shared ring (WEIR_URING_SHARED_ONLY, or no ring could be made), whose lock
    /// made ring sends slow.
    bool sends_through_ring() noexcept {
        ring_slot& r = own();
        return &r != &shared_ || (per_worker_ && count_.load(std::memory_order_relaxed) == 0);
    }

private:
    ring_slot* make_worker_ring() noexcept;

    ring_slot shared_;
    const std::uint64_t id_;  // this set among all sets ever made (threads cache their ring by it)
    const int efd_;
    const bool per_worker_;
    std::mutex make_lock_;
    std::atomic<ring_slot*> workers_[max_worker_rings]{};
    std::atomic<unsigned> count_{0};
    std::atomic<bool> shared_taken_{false};          // a worker uses the shared ring as its own
    std::vector<std::unique_ptr<ring_slot>> owned_;  // the worker rings; under make_lock_
};

}  // namespace weir::detail::uring

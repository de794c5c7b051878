// The uring driver's ring set (uring_rings.hpp says what it is for).
#include "uring_rings.hpp"

#include <new>

namespace weir::detail::uring {
namespace {

/// The ring a thread submits to, cached per set (set ids are never reused, so a thread that
/// outlives one runtime never reaches a freed ring of it).
struct thread_ring {
    std::uint64_t set = 0;
    ring_slot* slot = nullptr;  // null: this thread uses the shared ring
    bool settled = true;        // false: the first worker, which moves off the shared ring later
};
thread_local thread_ring this_thread_ring;
std::atomic<std::uint64_t> next_set_id{1};

}  // namespace

ring_set::ring_set(io_uring shared, int efd, bool per_worker)
    : shared_(shared),
      id_(next_set_id.fetch_add(1, std::memory_order_relaxed)),
      efd_(efd),
      per_worker_(per_worker) {
    owned_.reserve(max_worker_rings);  // make_worker_ring must not throw
}

ring_set::~ring_set() = default;  // worker rings first (declared last), then the shared one

// The first worker to do I/O uses the shared ring, and moves to a ring of its own once a second
// worker has made one; each further worker makes one at its first operation. So a lone worker
// keeps the single ring: a ring of its own would cost a hop through the eventfd for every
// completion that ends a park of the timer owner (3% of tcp_echo_loopback with one worker). Its
// operations in flight stay on the ring they went to. The shared ring is also what a worker gets
// when no ring can be made for it (the ring or its eventfd cannot be set up, or too many).
ring_slot& ring_set::own() noexcept {
    thread_ring& t = this_thread_ring;
    if (t.set != id_) {
        bool first = !shared_taken_.exchange(true, std::memory_order_relaxed);
        t = {id_, per_worker_ && !first ? make_worker_ring() : nullptr, !first};
    } else if (!t.settled && count_.load(std::memory_order_relaxed) > 0) {
        t.slot = make_worker_ring();
        t.settled = true;
    }
    return t.slot ? *t.slot : shared_;
}

ring_slot* ring_set::own_if_known() noexcept {
    const thread_ring& t = this_thread_ring;
    if (t.set != id_) return nullptr;
    return t.slot ? t.slot : &shared_;
}

bool ring_set::stranded(ring_slot& r) noexcept {
    unsigned head = io_uring_smp_load_acquire(r.ring.cq.khead);
    if (head == io_uring_smp_load_acquire(r.ring.cq.ktail)) return false;
    if (r.looked_head.load(std::memory_order_relaxed) == head) return true;
    r.looked_head.store(head, std::memory_order_relaxed);  // a plain store: no locked RMW
    return false;
}

bool ring_set::stuck(ring_slot& r) noexcept {
    if (!r.unflushed.load(std::memory_order_relaxed)) return false;
    if (r.retry.load(std::memory_order_relaxed)) return true;
    unsigned p = r.publishes.load(std::memory_order_relaxed);
    if (r.looked_publishes.load(std::memory_order_relaxed) == p) return true;
    r.looked_publishes.store(p, std::memory_order_relaxed);
    return false;
}

ring_slot* ring_set::make_worker_ring() noexcept {
    std::lock_guard<std::mutex> l(make_lock_);
    unsigned n = count_.load(std::memory_order_relaxed);
    if (n >= max_worker_rings) return nullptr;
    io_uring ring;
    if (!init_ring(ring)) return nullptr;
    // Every completion posted to this ring signals the eventfd the timer owner waits on.
    if (io_uring_register_eventfd(&ring, efd_) < 0) {
        io_uring_queue_exit(&ring);
        return nullptr;
    }
    auto* slot = new (std::nothrow) ring_slot(ring);
    if (!slot) {
        io_uring_queue_exit(&ring);
        return nullptr;
    }
    owned_.emplace_back(slot);
    workers_[n].store(slot, std::memory_order_relaxed);
    count_.store(n + 1, std::memory_order_release);
    return slot;
}

}  // namespace weir::detail::uring

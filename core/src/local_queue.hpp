// A worker's local run queue: a fixed ring of 256 task pointers. Only the owning worker pushes
// (at the tail) and pops (at the head); other workers steal half of it from the head. This is the
// algorithm of tokio's multi-thread scheduler queue, chosen because the owner's push is one
// release store and its pop one CAS, with no locks anywhere:
//
//   head is one 64-bit word holding two 32-bit indices, `steal` and `real`. Normally they are
//   equal. A stealer first moves `real` forward by n (claiming n tasks) while leaving `steal`
//   behind, copies the n tasks out, then moves `steal` up to `real`. While steal != real the
//   claimed slots may not be overwritten, and a second stealer backs off.
//   tail is written only by the owner.
//
// 256 slots keep the ring in 2 KiB (fits L1 beside the worker's other state). When it is full
// the owner moves half of it (128 tasks) plus the new one to the global queue in one locked
// operation, so an overflow costs one lock per 129 tasks.
#pragma once

#include <atomic>
#include <cstdint>

#include "owner_store.hpp"
#include "weir/detail/task_header.hpp"

namespace weir::detail {

class local_queue {
public:
    static constexpr std::uint32_t capacity = 256;
    static constexpr std::uint32_t mask = capacity - 1;

    /// Pushes t; if the ring is full, returns false and fills `overflow` (a linked list through
    /// queue_next of capacity/2 + 1 tasks, t included) for the caller to move to the global queue.
    bool push_back(task_header* t, task_header*& overflow_head, task_header*& overflow_tail,
                   std::uint32_t& overflow_count) noexcept {
        for (;;) {
            std::uint64_t head = head_.load(std::memory_order_acquire);
            std::uint32_t steal = unpack_steal(head);
            std::uint32_t real = unpack_real(head);
            std::uint32_t tail = tail_.load(std::memory_order_relaxed);  // we are the only writer
            if (tail - steal < capacity) {
                owner_store(buffer_[tail & mask], t);
                tail_.store(tail + 1, std::memory_order_release);
                return true;
            }
            if (steal != real) {
                // A stealer is mid-way and will free room; hand just this task to the global queue.
                t->queue_next = nullptr;
                overflow_head = overflow_tail = t;
                overflow_count = 1;
                return false;
            }
            // Claim the older half for the global queue.
            constexpr std::uint32_t half = capacity / 2;
            std::uint64_t next = pack(real + half, real + half);
            if (!head_.compare_exchange_strong(head, next, std::memory_order_release,
                                               std::memory_order_relaxed))
                continue;  // a stealer moved head; retry (there may be room now)
            task_header* first = buffer_[real & mask].load(std::memory_order_relaxed);
            task_header* last = first;
            for (std::uint32_t i = 1; i < half; ++i) {
                task_header* n = buffer_[(real + i) & mask].load(std::memory_order_relaxed);
                last->queue_next = n;
                last = n;
            }
            last->queue_next = t;
            t->queue_next = nullptr;
            overflow_head = first;
            overflow_tail = t;
            overflow_count = half + 1;
            return false;
        }
    }

    /// Pops the oldest task, or null.
    task_header* pop() noexcept {
        std::uint64_t head = head_.load(std::memory_order_acquire);
        for (;;) {
            std::uint32_t steal = unpack_steal(head);
            std::uint32_t real = unpack_real(head);
            std::uint32_t tail = tail_.load(std::memory_order_relaxed);
            if (real == tail) return nullptr;
            std::uint32_t next_real = real + 1;
            std::uint64_t next =
                steal == real ? pack(next_real, next_real) : pack(steal, next_real);
            if (head_.compare_exchange_weak(head, next, std::memory_order_acq_rel,
                                            std::memory_order_acquire))
                return buffer_[real & mask].load(std::memory_order_relaxed);
        }
    }

    /// Moves about half of this queue into dst (owned by the caller) and returns one of the moved
    /// tasks to run now (or null if there was nothing to steal).
    task_header* steal_into(local_queue& dst, std::uint32_t* stolen_count = nullptr) noexcept {
        std::uint32_t dst_tail = dst.tail_.load(std::memory_order_relaxed);
        std::uint32_t dst_steal = unpack_steal(dst.head_.load(std::memory_order_acquire));
        if (dst_tail - dst_steal > capacity / 2) return nullptr;  // dst has enough work

        // Claim n tasks by moving `real` forward.
        std::uint64_t prev = head_.load(std::memory_order_acquire);
        std::uint32_t n, src_real, src_steal;
        for (;;) {
            src_steal = unpack_steal(prev);
            src_real = unpack_real(prev);
            if (src_steal != src_real) return nullptr;  // another stealer is active
            std::uint32_t src_tail = tail_.load(std::memory_order_acquire);
            n = src_tail - src_real;
            n -= n / 2;
            if (n == 0) return nullptr;
            std::uint64_t next = pack(src_steal, src_real + n);
            if (head_.compare_exchange_weak(prev, next, std::memory_order_acq_rel,
                                            std::memory_order_acquire))
                break;
        }
        for (std::uint32_t i = 0; i < n; ++i) {
            task_header* t = buffer_[(src_real + i) & mask].load(std::memory_order_relaxed);
            owner_store(dst.buffer_[(dst_tail + i) & mask], t);
        }
        // Release the claim: steal catches up with real (the owner may have popped meanwhile).
        prev = pack(src_steal, src_real + n);
        for (;;) {
            std::uint32_t real = unpack_real(prev);
            std::uint64_t next = pack(real, real);
            if (head_.compare_exchange_weak(prev, next, std::memory_order_acq_rel,
                                            std::memory_order_acquire))
                break;
        }
        if (stolen_count) *stolen_count = n;
        --n;
        task_header* ret = dst.buffer_[(dst_tail + n) & mask].load(std::memory_order_relaxed);
        if (n > 0) dst.tail_.store(dst_tail + n, std::memory_order_release);
        return ret;
    }

    /// Approximate number of queued tasks (exact when called by the owner with no stealer active).
    std::uint32_t len() const noexcept {
        std::uint64_t head = head_.load(std::memory_order_acquire);
        return tail_.load(std::memory_order_acquire) - unpack_real(head);
    }
    bool empty() const noexcept { return len() == 0; }
    /// Free slots, from the owner's point of view.
    std::uint32_t remaining() const noexcept {
        std::uint64_t head = head_.load(std::memory_order_acquire);
        return capacity - (tail_.load(std::memory_order_relaxed) - unpack_steal(head));
    }
    /// Owner only: pushes a list linked through queue_next (unlinking it) when the caller
    /// already knows there is room, publishing the tail once for the whole list: in a wasm
    /// threads build every atomic store is a locked exchange, and a batch from the global queue
    /// paid one per task.
    void push_list_unchecked(task_header* list) noexcept {
        std::uint32_t tail = tail_.load(std::memory_order_relaxed);
        std::uint32_t end = tail;
        for (task_header* x = list; x; ++end) {
            task_header* next = x->queue_next;
            x->queue_next = nullptr;
            owner_store(buffer_[end & mask], x);
            x = next;
        }
        if (end != tail) tail_.store(end, std::memory_order_release);
    }

private:
    static std::uint32_t unpack_steal(std::uint64_t v) noexcept {
        return static_cast<std::uint32_t>(v >> 32);
    }
    static std::uint32_t unpack_real(std::uint64_t v) noexcept {
        return static_cast<std::uint32_t>(v);
    }
    static std::uint64_t pack(std::uint32_t steal, std::uint32_t real) noexcept {
        return (static_cast<std::uint64_t>(steal) << 32) | real;
    }

    // head and tail on separate cache lines: stealers hammer head, the owner writes tail.
    alignas(64) std::atomic<std::uint64_t> head_{0};
    alignas(64) std::atomic<std::uint32_t> tail_{0};
    alignas(64) std::atomic<task_header*> buffer_[capacity]{};
};

}  // namespace weir::detail

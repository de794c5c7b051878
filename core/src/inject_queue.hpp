// The global injection queue: tasks spawned or woken from outside the worker threads, and the
// overflow of full local queues. A lock-protected intrusive FIFO (linked through
// task_header::queue_next, so pushing never allocates). It is off the hot path: workers look at
// it only when their local queue is empty, or every 31st task for fairness, and then take a batch.
// `len_` is readable without the lock so idle checks cost one load.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

#include "weir/detail/spin_lock.hpp"
#include "weir/detail/task_header.hpp"

namespace weir::detail {

class inject_queue {
public:
    /// Pushes one task; returns false (not queued) once closed.
    bool push(task_header* t) noexcept { return push_batch(t, t, 1); }

    /// Pushes a linked list (first..last through queue_next); false once closed.
    bool push_batch(task_header* first, task_header* last, std::uint32_t n) noexcept {
        std::lock_guard<spin_lock> lk(m_);
        if (closed_) return false;
        last->queue_next = nullptr;
        if (tail_)
            tail_->queue_next = first;
        else
            head_ = first;
        tail_ = last;
        // A seq_cst read-modify-write, not a store: it is the "store" of the store-then-load
        // pair against a parking searcher (idle.hpp, worker_to_notify), and as a seq_cst RMW it
        // is ordered before the notify's seq_cst load of the idle state without the full fence
        // a plain store would need there (a lock-prefixed add here; the fence cost 40 ns a
        // remote spawn on this host, spawn_many_remote_idle with 2 workers +24%).
        len_.fetch_add(n, std::memory_order_seq_cst);
        return true;
    }

    task_header* pop() noexcept {
        if (is_empty()) return nullptr;
        std::lock_guard<spin_lock> lk(m_);
        return pop_locked();
    }

    /// Pops up to max tasks into a list; returns the first (or null) and sets count.
    task_header* pop_batch(std::uint32_t max, std::uint32_t& count) noexcept {
        count = 0;
        if (is_empty() || max == 0) return nullptr;
        std::lock_guard<spin_lock> lk(m_);
        task_header* first = head_;
        task_header* last = nullptr;
        while (count < max && head_) {
            last = head_;
            head_ = head_->queue_next;
            ++count;
        }
        if (!head_) tail_ = nullptr;
        if (last) last->queue_next = nullptr;
        len_.store(len_.load(std::memory_order_relaxed) - count, std::memory_order_release);
        return count ? first : nullptr;
    }

    bool is_empty() const noexcept { return len_.load(std::memory_order_acquire) == 0; }
    /// is_empty as a seq_cst load: for a check that must see a push which saw this thread in a
    /// seq_cst state it has just left (runtime_core::work_in_sight).
    bool is_empty_seq_cst() const noexcept { return len_.load(std::memory_order_seq_cst) == 0; }
    std::uint32_t len() const noexcept { return len_.load(std::memory_order_acquire); }

    /// Refuses further pushes and empties the queue (shutdown); returns what was queued, linked
    /// through queue_next.
    task_header* close() noexcept {
        std::lock_guard<spin_lock> lk(m_);
        closed_ = true;
        task_header* queued = head_;
        head_ = tail_ = nullptr;
        len_.store(0, std::memory_order_release);
        return queued;
    }

private:
    task_header* pop_locked() noexcept {
        task_header* t = head_;
        if (!t) return nullptr;
        head_ = t->queue_next;
        if (!head_) tail_ = nullptr;
        t->queue_next = nullptr;
        len_.store(len_.load(std::memory_order_relaxed) - 1, std::memory_order_release);
        return t;
    }

    // A spin lock, not std::mutex: the sections are a few pointer moves, and a remote spawner and
    // a worker taking a batch collide often; glibc's mutex then sleeps in the kernel (perf on
    // spawn_many_remote_idle: a fifth of the time in futex wait/wake).
    spin_lock m_;
    task_header* head_ = nullptr;
    task_header* tail_ = nullptr;
    bool closed_ = false;
    std::atomic<std::uint32_t> len_{0};
};

}  // namespace weir::detail

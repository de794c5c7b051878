// A one-shot "done" flag with at most one waiting task: the shared mechanism behind awaiting a
// join_handle, a spawn_blocking result and a oneshot receiver. The producer publishes its value
// first, then calls complete(); the waiter reads the value only after it saw done, so the value
// itself needs no lock.
#pragma once

#include <atomic>
#include <stdexcept>
#include <utility>

#include "leaf_waiter.hpp"
#include "spin_lock.hpp"

namespace weir::detail {

class completion {
public:
    bool is_done() const noexcept { return done_.load(std::memory_order_acquire); }

    /// Marks done and wakes the waiter, if any. Returns false if it was already done.
    bool complete() noexcept {
        lock_.lock();
        if (done_.load(std::memory_order_relaxed)) {
            lock_.unlock();
            return false;
        }
        done_.store(true, std::memory_order_release);
        leaf_waiter* w = std::exchange(waiter_, nullptr);
        // Woken under the lock: the waiter's frame cannot be destroyed (its destructor takes the
        // lock to unregister) between our claiming it and waking it.
        if (w) w->wake();
        lock_.unlock();
        return true;
    }
    /// Marks done because the runtime `dying` is shutting down and the producer will never
    /// finish (a spawned task, a blocking job). A waiter of that runtime is not woken: its frame
    /// is destroyed rather than resumed. It stays registered: if its frame is destroyed it
    /// unregisters itself; if it lives on (a child of a stream stage, which its stage cancels and
    /// drains when it is destroyed) its cancellation must still find it and wake it. A waiter of
    /// another runtime (a task of runtime B awaiting a join_handle of A) is woken, and finds the
    /// value the producer published first (operation_cancelled). dying == nullptr: nobody is
    /// woken. Returns false if it was already done.
    bool complete_for_shutdown(const class runtime_core* dying) noexcept {
        lock_.lock();
        bool first = !done_.load(std::memory_order_relaxed);
        done_.store(true, std::memory_order_release);
        if (first && waiter_ && dying && waiter_->rt != dying) {
            wait* w = std::exchange(waiter_, nullptr);
            w->wake();  // under the lock, as complete() does
        }
        lock_.unlock();
        return first;
    }

    /// Awaiter parts. Owner::awaiter derives from completion::wait and supplies await_resume.
    struct wait : leaf_waiter {
        completion* slot;
        bool waiting = false;
        /// The runtime of the awaiting task (complete_for_shutdown wakes only other runtimes').
        const runtime_core* rt = nullptr;

        explicit wait(completion* s) noexcept : slot(s) {}
        wait(const wait&) = delete;
        ~wait() {
            if (waiting) slot->forget(this);
            disarm();
        }
        bool await_ready() const noexcept { return slot->is_done(); }
        template <class P>
        bool await_suspend(coro::coroutine_handle<P> h) {
            prepare(h, "a join (another task or a blocking job)");
            rt = this_thread.runtime;
            slot->lock_.lock();
            if (slot->done_.load(std::memory_order_relaxed)) {
                slot->lock_.unlock();
                return false;
            }
            if (slot->waiter_) {
                slot->lock_.unlock();
                throw std::logic_error("weir: the same result is awaited by two tasks at once");
            }
            slot->waiter_ = this;
            waiting = true;
            slot->lock_.unlock();
            arm(&on_cancel);
            return true;
        }
        /// Call first in await_resume: throws operation_cancelled if cancellation woke us.
        void resumed() {
            waiting = false;
            // Completed, but our scope was cancelled before we ran (a losing select branch): leave
            // the value in the slot, where a later await still finds it.
            bool lost_race = scope_cancelled();
            finish();
            if (lost_race) throw operation_cancelled();
        }
        static void on_cancel(cancel_callback* cb) noexcept {
            auto* self = static_cast<wait*>(cb);
            if (self->slot->forget(self)) {
                self->cancelled = true;
                self->wake();
            }
        }
    };

private:
    bool forget(wait* w) noexcept {
        lock_.lock();
        bool mine = waiter_ == w;
        if (mine) waiter_ = nullptr;
        lock_.unlock();
        return mine;
    }

    spin_lock lock_;
    std::atomic<bool> done_{false};
    wait* waiter_ = nullptr;
};

}  // namespace weir::detail

// The shared heart of cancellation: a flag plus a list of callbacks run once when it is set.
// Every await point that can block (sleep, channel receive, join, lock...) registers a callback
// while it is suspended, so cancel() wakes it at once instead of when it would have finished.
// Child states (child tokens, combinator branches, with_cancellation scopes) are linked to their
// parent with a callback, which is how cancelling a parent reaches every descendant.
//
// Callbacks run one at a time on the cancelling thread, with the state's lock released: each is
// unlinked under the lock and marked as the running one, then called. remove() stays race-free
// (once it returns, the callback is not running and will not run): it unlinks a callback still
// waiting, or waits until the running one returns. So a whole tree of scopes (a token, its
// children, their waiters) is cancelled without any ancestor's lock held below it, and a thread
// unregistering an unrelated callback meanwhile does not wait for the tree. The one rule left: a
// callback must not block or resume a coroutine inline, nor remove itself; weir's callbacks only
// unlink a waiter and schedule its task, or cancel a child state.
#pragma once

#include <atomic>
#include <thread>

#include "intrusive_list.hpp"
#include "spin_lock.hpp"

namespace weir::detail {

struct cancel_callback : list_hook {
    void (*fn)(cancel_callback*) noexcept = nullptr;
};

class cancel_state {
public:
    cancel_state() = default;
    cancel_state(const cancel_state&) = delete;
    cancel_state& operator=(const cancel_state&) = delete;

    bool is_cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }

    /// Registers cb; returns false (and does not register) if already cancelled.
    bool add(cancel_callback* cb) noexcept {
        if (is_cancelled()) return false;
        lock_.lock();
        if (cancelled_.load(std::memory_order_relaxed)) {
            lock_.unlock();
            return false;
        }
        callbacks_.push_back(cb);
        lock_.unlock();
        return true;
    }

    /// Unregisters cb if it is still registered. After return cb is not running anywhere.
    void remove(cancel_callback* cb) noexcept {
        lock_.lock();
        if (cb->linked()) {
            callbacks_.erase(cb);
        } else {
            while (running_ == cb) {  // cancel() is calling it right now: wait until it returns
                lock_.unlock();
                std::this_thread::yield();
                lock_.lock();
            }
        }
        lock_.unlock();
    }

    /// Sets the flag and runs every registered callback once, outside the lock. Idempotent; a
    /// second, concurrent cancel() returns at once while the first runs the callbacks.
    void cancel() noexcept {
        lock_.lock();
        if (cancelled_.load(std::memory_order_relaxed)) {
            lock_.unlock();
            return;
        }
        cancelled_.store(true, std::memory_order_release);
        while (cancel_callback* cb = callbacks_.pop_front()) {
            running_ = cb;
            lock_.unlock();
            cb->fn(cb);  // cb may be freed once it returns (after its remove()): not touched
            lock_.lock();
            running_ = nullptr;
        }
        lock_.unlock();
    }

private:
    std::atomic<bool> cancelled_{false};
    spin_lock lock_;
    intrusive_list<cancel_callback, false> callbacks_;  // uncounted: see task_header's size
    cancel_callback* running_ = nullptr;  // the callback cancel() is calling (under lock_)
};

/// Links a child state to a parent: cancelling the parent cancels the child. Unlinks on
/// destruction, so the child may die before the parent.
class cancel_link : cancel_callback {
public:
    cancel_link() noexcept { fn = &fire; }
    cancel_link(const cancel_link&) = delete;
    cancel_link& operator=(const cancel_link&) = delete;
    ~cancel_link() { detach(); }

    void attach(cancel_state* parent, cancel_state* child) noexcept {
        parent_ = parent;
        child_ = child;
        if (parent_ && !parent_->add(this)) {
            parent_ = nullptr;
            child_->cancel();
        }
    }
    void detach() noexcept {
        if (parent_) parent_->remove(this);
        parent_ = nullptr;
    }

private:
    static void fire(cancel_callback* cb) noexcept {
        static_cast<cancel_link*>(cb)->child_->cancel();
    }
    cancel_state* parent_ = nullptr;
    cancel_state* child_ = nullptr;
};

}  // namespace weir::detail

// weir::notify: wakes tasks without carrying data (tokio's Notify). notify_one() wakes the
// longest-waiting task, or, if none waits, stores one permit so the next notified() completes at
// once. notify_waiters() wakes every task waiting right now and stores nothing, not even when a
// task it woke then does not use the notification.
#pragma once

#include "detail/operation.hpp"
#include "detail/wait_list.hpp"
#include "task.hpp"

namespace weir {

class notify;

/// What notify::notified returns.
struct notified_op : detail::list_awaiter<notify> {
    explicit notified_op(notify* n) noexcept : detail::list_awaiter<notify>(n) {}
    task<void> into_task() && { return run(p); }
    static task<void> run(notify* n) { co_await notified_op{n}; }
};

class notify {
public:
    notify() = default;
    notify(const notify&) = delete;
    notify& operator=(const notify&) = delete;
    /// Tasks still waiting resume with weir::wait_abandoned (a lost waker, reported).
    ~notify() { detail::abandon_waiters(*this); }

    /// Completes at the next notify_one (or at once if a permit is stored) or notify_waiters.
    /// An operation (detail/operation.hpp): the wait lives in the awaiting frame, no coroutine
    /// frame of its own; it borrows this notify. select, join and spawn take it as a task.
    notified_op notified() noexcept { return notified_op{this}; }

    /// Wakes one waiting task, or stores a permit (at most one) if none waits.
    void notify_one() noexcept {
        lock_.lock();
        if (auto* h = waiters_.pop_front()) {
            h->self()->grant();
        } else {
            permit_ = true;
        }
        lock_.unlock();
    }
    /// Wakes every task waiting now; stores no permit. A waiter it woke that does not use the
    /// notification (it lost a select, its frame was destroyed) passes nothing on: only a
    /// notify_one is forwarded to the next waiter or kept as the permit.
    void notify_waiters() noexcept {
        lock_.lock();
        while (auto* h = waiters_.pop_front()) {
            h->self()->broadcast = true;
            h->self()->grant();
        }
        lock_.unlock();
    }

private:
    friend struct detail::list_awaiter<notify>;
    template <class Q>
    friend void detail::abandon_waiters(Q&) noexcept;
    static constexpr const char* waits_on_what = "a notify";  // for task dumps

    bool try_acquire_locked(detail::list_waiter&) noexcept {
        if (!permit_) return false;
        permit_ = false;
        return true;
    }
    void grant_locked() noexcept {}
    void give_back_locked(detail::list_waiter& w) noexcept {
        // A notify_waiters grant is for the waiters of that moment only: it is not passed on.
        if (w.broadcast) return;
        // A notify_one reached a task that did not use it (it lost a select, or was destroyed
        // before it ran): pass it on.
        if (auto* h = waiters_.pop_front()) {
            h->self()->grant();
        } else {
            permit_ = true;
        }
    }

    detail::spin_lock lock_;
    detail::wait_queue waiters_;
    bool permit_ = false;
};

}  // namespace weir

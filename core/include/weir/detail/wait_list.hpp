// The FIFO of suspended tasks shared by weir::mutex, weir::semaphore and weir::notify. Each
// waiter lives in its awaiter (in the waiting frame) and is linked into the primitive's list under
// the primitive's lock; `granted` says the primitive handed it what it waited for (the lock,
// permits, a notification) before waking it, so a cancellation arriving later cannot undo that.
#pragma once

#include <cstddef>

#include "../errors.hpp"
#include "intrusive_list.hpp"
#include "leaf_waiter.hpp"
#include "spin_lock.hpp"

namespace weir::detail {

struct list_waiter;
/// A waiter's link in its primitive's queue. A base of list_waiter (its first), not a member with
/// a back pointer: the waiter is found from its link by a static_cast, which saves a word.
struct list_waiter_hook : list_hook {
    list_waiter* self() noexcept;
};

// Layout (it sits in every frame waiting on a notify, a mutex or a semaphore: issue 16's idle
// task): the hook first, then leaf_waiter, whose tail padding (after its `cancelled` flag) the
// flags below fill, then the words. 104 bytes as a notify's awaiter, against 120 with the hook
// as a member after leaf_waiter; that brings an idle task's frame from 272 to 256 bytes, into
// the frame pool's next class down. A static_assert below keeps it there on 64-bit targets.
struct list_waiter : list_waiter_hook, leaf_waiter {
    bool granted = false;
    bool broadcast = false;  // granted by notify_waiters: nothing to pass on if unused
    bool waiting = false;
    bool abandoned = false;            // the primitive was destroyed while we waited
    bool cancel_seen = false;          // on_cancel ran before we were queued (under the lock)
    std::size_t want = 1;              // semaphore permits asked for
    list_waiter* next_lost = nullptr;  // abandon_waiters' list
    list_waiter_hook& hook() noexcept { return *this; }
    /// The primitive hands this waiter what it waited for and wakes it (under the primitive's
    /// lock: a wake only queues the task).
    void grant() noexcept {
        granted = true;
        wake();
    }
};
inline list_waiter* list_waiter_hook::self() noexcept { return static_cast<list_waiter*>(this); }
static_assert(sizeof(void*) != 8 || sizeof(list_waiter) <= 96,
              "list_waiter grew: every idle task's frame pays for it (see its layout comment)");

using wait_queue = intrusive_list<list_waiter_hook>;

/// Awaiter skeleton for a primitive P with members lock_ (spin_lock) and waiters_ (wait_queue),
/// and, all called under lock_:
///   bool try_acquire_locked(list_waiter&)  take what the waiter wants now, if possible;
///   void grant_locked()                    hand what is free to waiters at the head, waking them;
///   void give_back_locked(list_waiter&)    a granted waiter died before resuming: pass it on.
/// Waking under the primitive's lock is fine: a wake only queues the task.
template <class P>
struct list_awaiter : list_waiter {
    P* p;
    explicit list_awaiter(P* prim, std::size_t n = 1) noexcept : p(prim) { want = n; }
    list_awaiter(const list_awaiter&) = delete;
    ~list_awaiter() {
        if (waiting) {
            p->lock_.lock();
            if (hook().linked()) {
                p->waiters_.erase(&hook());
            } else if (granted) {
                p->give_back_locked(*this);  // granted but the frame died before resuming
            }
            p->lock_.unlock();
        }
        disarm();
    }
    bool await_ready() const noexcept { return false; }
    template <class H>
    bool await_suspend(H h) {
        prepare(h, P::waits_on_what);
        p->lock_.lock();
        if (p->waiters_.empty() && p->try_acquire_locked(*this)) {
            p->lock_.unlock();
            return false;
        }
        p->lock_.unlock();
        // Registered with the cancellation scope before anyone can see us in the queue: a
        // destructor that finds us there (abandon_waiters) can then unregister us without
        // racing with this registration. A cancellation arriving before we are queued leaves
        // cancel_seen for the check below.
        arm(&on_cancel);
        p->lock_.lock();
        if (cancel_seen) {
            p->lock_.unlock();
            cancelled = true;  // resume at once; await_resume throws
            return false;
        }
        if (p->waiters_.empty() && p->try_acquire_locked(*this)) {  // freed meanwhile
            p->lock_.unlock();
            return false;
        }
        p->waiters_.push_back(&hook());
        waiting = true;
        p->lock_.unlock();
        return true;
    }
    /// Call first in await_resume.
    void resumed() {
        waiting = false;
        if (abandoned) {
            abandoned = false;
            disarm();
            throw wait_abandoned(P::waits_on_what);
        }
        if (granted) {
            if (scope_cancelled()) {
                // Granted, but our scope was cancelled before we ran (a losing select branch):
                // pass the lock / permits / notification on instead of dropping it.
                disarm();
                p->lock_.lock();
                p->give_back_locked(*this);
                p->lock_.unlock();
                granted = false;
                throw operation_cancelled();
            }
            disarm();
            cancelled = false;
            return;
        }
        finish();
    }
    void await_resume() { resumed(); }
    static void on_cancel(cancel_callback* cb) noexcept {
        auto* self = static_cast<list_awaiter*>(cb);
        P* p = self->p;
        p->lock_.lock();
        bool mine = self->hook().linked();
        if (mine) {
            p->waiters_.erase(&self->hook());
            p->grant_locked();  // leaving the head of the queue may unblock the next waiter
        } else {
            self->cancel_seen = true;  // not queued yet (or already served: then unused)
        }
        p->lock_.unlock();
        if (mine) {
            self->cancelled = true;
            self->wake();
        }
    }
};

/// For the destructor of a primitive P (as list_awaiter): the waiters still queued lost their
/// waker with it. Each is unlinked under the lock and marked, then, with the lock released,
/// unregistered from its cancellation scope (a cancel callback running meanwhile finds it
/// unlinked and does nothing, and none can start after), reported to its runtime, and woken: it
/// resumes with weir::wait_abandoned instead of hanging forever. Also waits out a waker still
/// holding the lock (see spin_lock::quiesce).
template <class P>
void abandon_waiters(P& p) noexcept {
    list_waiter* lost = nullptr;
    p.lock_.lock();
    while (auto* h = p.waiters_.pop_front()) {
        list_waiter* w = h->self();
        w->waiting = false;  // its destructor must not touch p
        w->abandoned = true;
        w->next_lost = lost;
        lost = w;
    }
    p.lock_.unlock();
    while (lost) {
        list_waiter* w = lost;
        lost = w->next_lost;  // read before the wake: the waiter may resume at once
        w->disarm();
        w->header->exec->lost_waker(w->header, P::waits_on_what);
        w->wake();
    }
}

}  // namespace weir::detail

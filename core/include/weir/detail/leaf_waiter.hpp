// The common part of every await that really blocks (timer, channel, lock, join, notify): the
// resume_node its task is woken through, and the registration that lets cancellation wake it early.
// Lives in the awaiter, i.e. in the suspended frame: no allocation per wait.
//
// Protocol, used by every primitive: the waiter sits in the primitive's list under the primitive's
// lock. Whoever unlinks it under that lock (the primitive completing it, or the cancel callback)
// is the one that wakes it, so a waiter is woken exactly once.
#pragma once

#include <stdexcept>

#include "cancel_state.hpp"
#include "promise_base.hpp"
#include "task_header.hpp"

namespace weir::detail {

struct leaf_waiter : cancel_callback {
    resume_node node{};
    task_header* header = nullptr;
    cancel_state* armed = nullptr;
    bool cancelled = false;

    /// what: what the task waits on, for task dumps (a string literal, e.g. "a timer").
    template <class P>
    void prepare(coro::coroutine_handle<P> h, const char* what) {
        task_ctx ctx = ctx_of(h);
        if (!ctx.header)
            throw std::logic_error(
                "weir: this operation can only be awaited inside a task of a weir::runtime");
        header = ctx.header;
        header->waits_on.store(what, std::memory_order_relaxed);
        node.handle = h;
        armed = ctx.cancel;
    }
    void wake() noexcept { header->wake(&node); }

    /// Registers on_cancel with the task's cancellation scope (set by prepare). If the scope is
    /// already cancelled, on_cancel runs now (it will find the waiter and wake it).
    void arm(void (*on_cancel)(cancel_callback*) noexcept) noexcept {
        if (!armed) return;
        fn = on_cancel;
        if (!armed->add(this)) {
            armed = nullptr;
            on_cancel(this);
        }
    }
    /// Unregisters; after it returns the callback is not running and never will.
    void disarm() noexcept {
        if (armed) {
            armed->remove(this);
            armed = nullptr;
        }
    }
    /// True if the scope this waiter is registered with has been cancelled. A waiter can be
    /// completed (handed a value, a lock, a permit) and then find its scope cancelled before it
    /// resumes, e.g. the losing branch of a select: such awaiters give back what they received
    /// and throw, so nothing is lost.
    bool scope_cancelled() const noexcept { return armed && armed->is_cancelled(); }

    /// For await_resume: unregister and turn a cancellation into the exception.
    void finish() {
        disarm();
        if (cancelled) {
            cancelled = false;
            throw operation_cancelled();
        }
    }
};

}  // namespace weir::detail

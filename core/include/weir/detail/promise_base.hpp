// What every weir coroutine promise shares: the task context it runs in (which task, which
// cancellation scope, which task_local bindings), its continuation, and await_transform, which
// every co_await inside a weir coroutine passes through. That single hook gives weir three things
// without any cooperation from the awaited object:
//   1. cancellation at await points: once the context's cancel_state is set, the next co_await
//      throws weir::operation_cancelled instead of suspending;
//   2. the cooperative budget: each co_await spends one unit; when the budget is gone, an await
//      that would complete (or transfer) immediately suspends instead and the task is requeued,
//      so a task that never blocks cannot starve its worker, and symmetric-transfer chains are
//      bounded even where the compiler does not turn them into tail calls (g++ -O0);
//   3. this_thread.current: set on every resumption, it is how task_local::get finds its scope.
#pragma once

#include <exception>
#include <type_traits>
#include <utility>

#include "../errors.hpp"
#include "coro.hpp"
#include "frame_pool.hpp"
#include "task_header.hpp"

namespace weir::detail {

struct local_binding {
    const void* key;
    void* value;
    local_binding* next;
};

/// The context a coroutine inherits from whoever awaits it.
struct task_ctx {
    task_header* header = nullptr;
    cancel_state* cancel = nullptr;
    local_binding* locals = nullptr;
};

/// Awaiters that must not be interrupted by cancellation (a combinator waiting for its branches to
/// stop) derive from this; await_transform then skips its cancellation check.
struct uncancellable_await {};

template <class A>
concept has_member_co_await = requires(A&& a) {
    std::forward<A>(a).operator co_await();
};
template <class A>
concept has_free_co_await = requires(A&& a) {
    operator co_await(std::forward<A>(a));
};

template <class A>
decltype(auto) get_awaiter(A&& a) {
    if constexpr (has_member_co_await<A>)
        return std::forward<A>(a).operator co_await();
    else if constexpr (has_free_co_await<A>)
        return operator co_await(std::forward<A>(a));
    else
        return std::forward<A>(a);
}

inline bool spend_budget() noexcept {
    if (this_thread.budget > 0) {
        --this_thread.budget;
        return true;
    }
    return false;
}

struct promise_base;

/// Wraps every awaiter seen by a weir coroutine (see the file comment).
template <class Inner>
struct budget_awaiter {
    Inner inner;
    promise_base* owner;
    resume_node node{};
    bool forced = false;

    bool await_ready() {
        if (spend_budget()) return inner.await_ready();
        // Out of budget: an await that would not suspend gives way first.
        if (inner.await_ready()) forced = true;
        return false;
    }

    template <class P>
    suspend_t await_suspend(coro::coroutine_handle<P> h);

    decltype(auto) await_resume();
};

struct promise_base : pooled {  // frames come from the per-thread frame cache
    task_ctx ctx;
    coro::coroutine_handle<> continuation;

    struct initial_awaiter {
        promise_base* p;
        bool await_ready() const noexcept { return false; }
        void await_suspend(coro::coroutine_handle<>) const noexcept {}
        void await_resume() const {
            this_thread.current = p;
            // The outermost frame of a task (no continuation) aborted before its first run: none
            // of its code runs. An awaited frame runs to its first await, as documented for
            // with_cancellation. Thrown here, inside the coroutine body, it reaches
            // unhandled_exception like any other exception of the task.
            if (!p->continuation && p->ctx.cancel && p->ctx.cancel->is_cancelled())
                throw operation_cancelled();
        }
    };
    initial_awaiter initial_suspend() noexcept { return {this}; }

    template <class A>
    auto await_transform(A&& a) {
        using inner_t = decltype(get_awaiter(std::forward<A>(a)));
        if constexpr (!std::is_base_of_v<uncancellable_await, std::remove_cvref_t<inner_t>>) {
            if (ctx.cancel && ctx.cancel->is_cancelled()) throw operation_cancelled();
        }
        return budget_awaiter<inner_t>{get_awaiter(std::forward<A>(a)), this};
    }
};

template <class Inner>
template <class P>
suspend_t budget_awaiter<Inner>::await_suspend(coro::coroutine_handle<P> h) {
    task_header* header = owner->ctx.header;
    if (forced) {
        if (!header) return resume_self(h);  // not inside a task run: nothing to yield to
        node.handle = h;
        header->yield(&node);
        return suspend_now();
    }
    using R = decltype(inner.await_suspend(h));
    coro::coroutine_handle<> next;  // where to continue; null: stay suspended
    if constexpr (std::is_void_v<R>) {
        inner.await_suspend(h);
    } else if constexpr (std::is_same_v<R, bool>) {
        if (!inner.await_suspend(h)) return resume_self(h);
    } else {
        next = inner.await_suspend(h);
        if (next == coro::noop_coroutine()) next = nullptr;
    }
#if !WEIR_SYMMETRIC_TRANSFER
    if (this_thread.pending) next = std::exchange(this_thread.pending, nullptr);
#endif
    if (!next) return suspend_now();
    if (header && this_thread.budget <= 0) {
        // Continuing would keep this task running past its budget: park the target on the
        // ready stack and let the worker requeue the task.
        node.handle = next;
        header->yield(&node);
        return suspend_now();
    }
    return transfer_to(next);
}

template <class Inner>
decltype(auto) budget_awaiter<Inner>::await_resume() {
    this_thread.current = owner;
    return inner.await_resume();
}

/// The task context of the coroutine running on this thread (empty outside weir coroutines).
inline task_ctx current_ctx() noexcept {
    return this_thread.current ? this_thread.current->ctx : task_ctx{};
}

/// Gets the context of the coroutine behind h if it is a weir coroutine.
template <class P>
task_ctx ctx_of(coro::coroutine_handle<P> h) noexcept {
    if constexpr (std::is_base_of_v<promise_base, P>)
        return h.promise().ctx;
    else
        return current_ctx();
}

}  // namespace weir::detail

// What every weir coroutine promise shares: the task context it runs in (which task, which
// cancellation scope, which task_local bindings), its continuation, and await_transform, which
// every co_await inside a weir coroutine passes through. That single hook gives weir three things
// without any cooperation from the awaited object:
//   1. cancellation at await points: once the context's cancel_state is set, the next co_await
//      throws weir::operation_cancelled instead of suspending;
//   2. the cooperative budget (the rule, stated once here and in docs/architecture.md): every
//      co_await of a task run spends one unit of budget before it takes effect. When the budget
//      is spent, the await gives way *before* it starts: the task is requeued at the back, and
//      the await begins only when the task runs again, with a fresh budget. So nothing an await
//      does (take a value, a lock, a permit, a channel slot) happens in a run that has no budget
//      left, whatever the awaiter (completes in await_ready, in await_suspend, or suspends), and
//      an await in a cancelled scope spends budget too, before it throws. No loop of awaits can
//      hold its worker beyond coop_budget awaits; symmetric-transfer chains are bounded even
//      where the compiler does not turn them into tail calls (g++ -O0);
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

/// Awaiters whose coroutine is resumed directly by its owner, not through a wake (a stream
/// stage's child parking until the stage resumes it), derive from this: the owner expects the
/// coroutine to sit at that await, so a spent budget never defers it (it spends nothing then).
struct owner_resumed_await {};

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

/// A thread's exception from an await that was started late (a deferred await whose await_ready
/// or await_suspend threw), handed to the await_resume that runs right after on the same thread.
/// Out of line (core/src/scheduler.cpp), not an inline thread_local: mingw-w64 emits a TLS init
/// function per object file for an inline thread_local with a destructor, and the link fails.
/// A rare path: the call costs nothing that matters.
std::exception_ptr& deferred_error() noexcept;

/// Wraps every awaiter seen by a weir coroutine (see the file comment). Its base is the node a
/// deferred await is requeued with (task_header.hpp: a node without a handle is run through
/// `retry`).
template <class Inner>
struct budget_awaiter : deferred_node {
    enum : unsigned char {
        normal,     // the inner await runs (or ran) as usual
        deferred,   // out of budget: yield first, start the inner await when the task runs again
        cancelled,  // the scope was cancelled: await_resume throws operation_cancelled
        failed,     // the deferred start threw: await_resume rethrows deferred_error
    };
    static constexpr bool cancellable =
        !std::is_base_of_v<uncancellable_await, std::remove_cvref_t<Inner>>;

    Inner inner;
    promise_base* owner;
    unsigned char mode = normal;

    static constexpr bool deferrable =
        !std::is_base_of_v<owner_resumed_await, std::remove_cvref_t<Inner>>;

    bool await_ready() {
        if (spend_budget()) return inner.await_ready();
        if constexpr (!deferrable) return inner.await_ready();
        mode = deferred;  // the inner await is not touched in this run
        return false;
    }

    template <class P>
    suspend_t await_suspend(coro::coroutine_handle<P> h);

    decltype(auto) await_resume();

private:
    template <class P>
    suspend_t start_inner(coro::coroutine_handle<P> h);
    // The deferred await's suspension, out of line so that await_suspend stays small enough to
    // inline into every coroutine (detail/throw.hpp says why that matters).
    template <class P>
    [[gnu::noinline]] suspend_t give_way(coro::coroutine_handle<P> h);
    template <class P>
    static void retry(resume_node* n) noexcept;
    [[noreturn, gnu::cold, gnu::noinline]] void throw_abnormal();
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
        if constexpr (budget_awaiter<inner_t>::cancellable) {
            if (ctx.cancel && ctx.cancel->is_cancelled()) [[unlikely]] {
                // A cancelled scope's awaits spend budget too: a task that swallows the
                // exception and awaits again in a loop still gives way every coop_budget
                // awaits. With budget left it throws now; without, the budget_awaiter yields
                // first and throws when the task runs again (retry finds the scope cancelled).
                if (spend_budget()) throw operation_cancelled();
            }
        }
        return budget_awaiter<inner_t>{{}, get_awaiter(std::forward<A>(a)), this};
    }
};

template <class Inner>
template <class P>
suspend_t budget_awaiter<Inner>::await_suspend(coro::coroutine_handle<P> h) {
    if (mode == deferred) [[unlikely]]
        return give_way(h);
    return start_inner(h);
}

template <class Inner>
template <class P>
suspend_t budget_awaiter<Inner>::give_way(coro::coroutine_handle<P> h) {
    task_header* header = owner->ctx.header;
    if (!header) {  // not inside a task run: nothing to yield to
        mode = normal;
        if (inner.await_ready()) return resume_self(h);
        return start_inner(h);
    }
    // Give way before the inner await starts; the task's next run calls retry.
    handle = nullptr;
    retry_fn = &retry<P>;
    header->yield(this);
    return suspend_now();
}

template <class Inner>
template <class P>
suspend_t budget_awaiter<Inner>::start_inner(coro::coroutine_handle<P> h) {
    task_header* header = owner->ctx.header;
    using R = decltype(inner.await_suspend(h));
    coro::coroutine_handle<> next;  // where to continue; null: stay suspended
    if constexpr (std::is_void_v<R>) {
        inner.await_suspend(h);
    } else if constexpr (std::is_same_v<R, bool>) {
        // Completed without suspending: continue at once. The budget was spent in await_ready,
        // so a loop of such awaits yields at its next await once the budget is gone.
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
        handle = next;
        header->yield(this);
        return suspend_now();
    }
    return transfer_to(next);
}

/// A deferred await, run by the task's next run (with a fresh budget) in place of resuming the
/// coroutine: it spends this await's unit, then does what await_ready/await_suspend would have
/// done, and continues wherever that leads.
template <class Inner>
template <class P>
void budget_awaiter<Inner>::retry(resume_node* n) noexcept {
    auto* self = static_cast<budget_awaiter*>(static_cast<deferred_node*>(n));
    auto h = coro::coroutine_handle<P>::from_promise(*static_cast<P*>(self->owner));
    this_thread.current = self->owner;
    spend_budget();
    if constexpr (cancellable) {
        cancel_state* c = self->owner->ctx.cancel;
        if (c && c->is_cancelled()) {
            self->mode = cancelled;
            resume_and_drain(h);
            return;
        }
    }
    self->mode = normal;
    suspend_t s;
    try {
        if (self->inner.await_ready()) {
            resume_and_drain(h);
            return;
        }
        s = self->start_inner(h);
    } catch (...) {
        deferred_error() = std::current_exception();
        self->mode = failed;
        resume_and_drain(h);
        return;
    }
#if WEIR_SYMMETRIC_TRANSFER
    if (s != coro::noop_coroutine()) resume_and_drain(s);
#else
    if (!s)
        resume_and_drain(h);
    else if (this_thread.pending)
        resume_and_drain(std::exchange(this_thread.pending, nullptr));
#endif
}

template <class Inner>
void budget_awaiter<Inner>::throw_abnormal() {
    if (mode == cancelled) {
        mode = normal;
        throw operation_cancelled();
    }
    mode = normal;
    std::rethrow_exception(std::exchange(deferred_error(), nullptr));
}

template <class Inner>
decltype(auto) budget_awaiter<Inner>::await_resume() {
    this_thread.current = owner;
    if (mode != normal) [[unlikely]]
        throw_abnormal();
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

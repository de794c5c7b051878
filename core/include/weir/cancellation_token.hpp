// weir::cancellation_token: a cheap, copyable handle to a shared cancellation flag (copies share
// one state). cancel() wakes every task blocked under it at once; child_token() creates a token
// that is cancelled with its parent (but not the reverse). with_cancellation(token, t) runs t
// under the token: t ends at its next await point with weir::operation_cancelled once the token
// (or the caller's own scope) is cancelled, and a blocked await wakes immediately.
#pragma once

#include <memory>
#include <stdexcept>

#include "detail/cancel_state.hpp"
#include "detail/leaf_waiter.hpp"
#include "detail/operation.hpp"
#include "detail/scoped_awaiter.hpp"
#include "task.hpp"

namespace weir {

namespace detail {
struct token_state {
    cancel_state state;
    std::shared_ptr<token_state> parent;  // keeps the parent alive while linked
    cancel_link link;
};

/// Waits until a cancel_state is set (used by cancellation_token::cancelled()).
struct cancelled_awaiter : leaf_waiter {
    std::shared_ptr<token_state> tok;
    struct token_cb : cancel_callback {
        cancelled_awaiter* self;
    } on_token;  // registered on the token's state
    bool waiting = false;
    spin_lock lock;  // orders the two callbacks that may race to wake

    explicit cancelled_awaiter(std::shared_ptr<token_state> t) : tok(std::move(t)) {
        on_token.self = this;
    }
    cancelled_awaiter(const cancelled_awaiter&) = delete;
    ~cancelled_awaiter() {
        if (waiting) tok->state.remove(&on_token);
        disarm();
    }
    bool await_ready() const noexcept { return tok->state.is_cancelled(); }
    template <class P>
    bool await_suspend(coro::coroutine_handle<P> h) {
        prepare(h, "a cancellation token");
        on_token.fn = &on_token_cancelled;
        if (!tok->state.add(&on_token)) return false;
        waiting = true;
        arm(&on_scope_cancelled);
        return true;
    }
    void await_resume() {
        if (waiting) tok->state.remove(&on_token);
        waiting = false;
        finish();
    }
    // Exactly one of the two callbacks wakes the task: whoever sets `woken` first.
    bool woken = false;
    bool claim() noexcept {
        lock.lock();
        bool first = !woken;
        woken = true;
        lock.unlock();
        return first;
    }
    static void on_token_cancelled(cancel_callback* cb) noexcept {
        cancelled_awaiter* self = static_cast<token_cb*>(cb)->self;
        if (self->claim()) self->wake();
    }
    static void on_scope_cancelled(cancel_callback* cb) noexcept {
        auto* self = static_cast<cancelled_awaiter*>(cb);
        if (self->claim()) {
            self->cancelled = true;
            self->wake();
        }
    }
};
}  // namespace detail

class cancellation_token {
public:
    /// A new, uncancelled token.
    cancellation_token() : s_(std::make_shared<detail::token_state>()) {}

    /// Cancels this token and every token descended from it. Idempotent; any thread.
    void cancel() const noexcept { s_->state.cancel(); }
    /// True once this token (or an ancestor) was cancelled.
    bool is_cancelled() const noexcept { return s_->state.is_cancelled(); }
    /// A token cancelled whenever this one is; cancelling the child leaves this one alone.
    cancellation_token child_token() const {
        cancellation_token c;
        c.s_->parent = s_;
        c.s_->link.attach(&s_->state, &c.s_->state);
        return c;
    }
    /// Completes once the token is cancelled (at once if it already is).
    task<void> cancelled() const { return wait_cancelled(s_); }

    /// Internal: the shared state.
    detail::cancel_state* state() const noexcept { return &s_->state; }

    friend bool operator==(const cancellation_token& a, const cancellation_token& b) noexcept {
        return a.s_ == b.s_;
    }

private:
    static task<void> wait_cancelled(std::shared_ptr<detail::token_state> s) {
        co_await detail::cancelled_awaiter{std::move(s)};
    }
    std::shared_ptr<detail::token_state> s_;
};

/// Runs t so that cancelling `token` (or the caller's own scope) ends it with
/// weir::operation_cancelled at its next await point; a blocked await wakes at once.
template <class T>
task<T> with_cancellation(cancellation_token token, task<T> t) {
    // The scope: a child of the caller's scope and of the token, so either cancels it.
    detail::cancel_state scope;
    detail::cancel_link from_token;
    detail::cancel_link from_caller;
    from_token.attach(token.state(), &scope);
    from_caller.attach(detail::current_ctx().cancel, &scope);
    // Declared after the scope so that, if this frame is destroyed mid-flight (runtime shutdown),
    // the inner task's waiters unregister from the scope before the scope is gone.
    task<T> inner = std::move(t);
    co_return co_await detail::scoped_awaiter<T>{{}, &inner, &scope, nullptr};
}
/// with_cancellation for an operation (such as `rx.recv()`), run as a task.
template <detail::operation A>
auto with_cancellation(cancellation_token token, A&& op) {
    return with_cancellation(std::move(token), detail::into_task(std::forward<A>(op)));
}

}  // namespace weir

// The machinery behind join, try_join, select, join_all and timeout: run several tasks as
// branches of the *current* task (concurrently, never in parallel: they share the task's header,
// so they interleave within its runs, like futures polled by tokio's join!/select!).
//
// Each branch is a small coroutine that awaits its task, stores the outcome and reports to the
// group. The branches run under the group's own cancellation scope, a child of the awaiting
// task's scope, so cancelling the parent reaches every branch, and the group can cancel its
// branches (select's losers, try_join after a failure) without touching the parent.
// The parent resumes only when every started branch has finished, so a loser's cleanup (its
// destructors, its catch blocks) has always run before the combinator returns. A failure the
// combinator does not rethrow (a loser's, or one after the first) is reported as unhandled
// (weir/unhandled.hpp) rather than dropped.
// `remaining` is a plain counter: all branches run inside one task, one at a time.
#pragma once

#include <cstddef>
#include <exception>
#include <span>
#include <vector>

#include "cancel_state.hpp"
#include "coro.hpp"
#include "promise_base.hpp"
#include "result.hpp"
#include "runtime_core.hpp"

namespace weir {
template <class T>
class task;
}

namespace weir::detail {

enum class group_mode {
    all,      // wait for all; rethrow the first failure (join, join_all)
    try_all,  // the first failure cancels the others (try_join)
    race,     // the first to finish wins, the others are cancelled (select, timeout)
};

struct group_base {
    explicit group_base(group_mode m) noexcept : mode(m) {}
    group_base(const group_base&) = delete;
    group_base& operator=(const group_base&) = delete;

    group_mode mode;
    std::size_t remaining = 0;
    coro::coroutine_handle<> parent;
    cancel_state cancel;
    cancel_link link;
    std::exception_ptr error;  // first failure (or the winner's exception in race mode)
    std::ptrdiff_t winner = -1;

    void on_value(std::size_t i) noexcept {
        if (mode == group_mode::race && winner < 0) {
            winner = static_cast<std::ptrdiff_t>(i);
            cancel.cancel();
        }
    }
    void on_error(std::size_t i, std::exception_ptr e) noexcept {
        if (mode == group_mode::race) {
            if (winner < 0) {
                winner = static_cast<std::ptrdiff_t>(i);
                error = std::move(e);
                cancel.cancel();
                return;
            }
        } else if (!error) {
            error = std::move(e);
            if (mode == group_mode::try_all) cancel.cancel();
            return;
        }
        // A loser's failure, or a failure after the first: nobody will see it (unhandled.hpp).
        report_unhandled(current_runtime(), unhandled_exception::kind::discarded_by_combinator,
                         current_ctx().header, std::move(e));
    }
    void rethrow_if_failed() const {
        if (error) std::rethrow_exception(error);
    }
};

struct branch_promise;
using branch_handle = coro::coroutine_handle<branch_promise>;

struct branch_task {
    using promise_type = branch_promise;
    branch_handle h;
};

struct branch_promise : promise_base {
    group_base* group = nullptr;
    std::size_t index = 0;

    branch_task get_return_object() noexcept { return {branch_handle::from_promise(*this)}; }
    struct final_awaiter {
        bool await_ready() const noexcept { return false; }
        suspend_t await_suspend(branch_handle h) const noexcept {
            group_base* g = h.promise().group;
            if (--g->remaining == 0) return transfer_to(g->parent);
            return suspend_now();
        }
        void await_resume() const noexcept {}
    };
    final_awaiter final_suspend() noexcept { return {}; }
    void return_void() noexcept { group->on_value(index); }
    void unhandled_exception() noexcept { group->on_error(index, std::current_exception()); }
};

template <class T>
branch_task run_branch(task<T> t, result<T>* out) {
    if constexpr (std::is_void_v<T>) {
        co_await t;
        out->set_value();
    } else {
        out->set_value(co_await t);
    }
}

/// Creates the (not yet started) branch coroutine for t.
template <class T>
branch_handle make_branch(group_base* g, std::size_t i, task<T>&& t, result<T>* out) {
    branch_handle h = run_branch<T>(std::move(t), out).h;
    h.promise().group = g;
    h.promise().index = i;
    return h;
}

/// Owns the branch frames of one group.
class branch_set {
public:
    branch_set() = default;
    branch_set(const branch_set&) = delete;
    branch_set& operator=(const branch_set&) = delete;
    ~branch_set() {
        for (branch_handle h : handles) h.destroy();
    }
    std::vector<branch_handle> handles;
};

/// Awaited by the combinator: starts every branch, resumes when all have finished.
/// Never interrupted by cancellation itself: cancellation reaches the branches instead.
struct group_awaiter : uncancellable_await {
    group_base* g;
    std::span<branch_handle> branches;

    bool await_ready() const noexcept { return branches.empty(); }
    template <class P>
    suspend_t await_suspend(coro::coroutine_handle<P> parent) noexcept {
        task_ctx ctx = ctx_of(parent);
        g->parent = parent;
        g->link.attach(ctx.cancel, &g->cancel);
        task_ctx branch_ctx{ctx.header, &g->cancel, ctx.locals};
        // One extra count so branches that finish during this loop cannot resume the parent
        // while it is still starting the others.
        g->remaining = branches.size() + 1;
        for (branch_handle h : branches) {
            if (g->mode == group_mode::race && g->winner >= 0) {
                --g->remaining;  // decided already: this branch never starts
                continue;
            }
            h.promise().ctx = branch_ctx;
            resume_and_drain(h);
        }
        if (--g->remaining == 0) return resume_self(parent);
        return suspend_now();
    }
    void await_resume() const noexcept { g->link.detach(); }
};

}  // namespace weir::detail

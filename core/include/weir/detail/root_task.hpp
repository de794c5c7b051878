// The outermost coroutine of a spawned task (and of block_on's task). It awaits the user's task,
// stores its value or exception in the owning cell, and at final suspend marks the header
// completed so the worker finishes the task after the run. One small frame per task; the user's
// task<T> frame sits below it.
#pragma once

#include <exception>

#include "coro.hpp"
#include "promise_base.hpp"

namespace weir::detail {

struct root_promise;
using root_handle = coro::coroutine_handle<root_promise>;

struct root_task {
    using promise_type = root_promise;
    root_handle h;
};

struct root_promise : promise_base {
    root_task get_return_object() noexcept { return {root_handle::from_promise(*this)}; }
    struct final_awaiter {
        bool await_ready() const noexcept { return false; }
        void await_suspend(root_handle h) const noexcept {
            h.promise().ctx.header->mark_completed();
        }
        void await_resume() const noexcept {}
    };
    final_awaiter final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }  // run_root catches everything
};

/// Cell must have members `body` (task<T>) and `value` (result<T>).
template <class T, class Cell>
root_task run_root(Cell* c) {
    try {
        if constexpr (std::is_void_v<T>) {
            co_await c->body;
            c->value.set_value();
        } else {
            c->value.set_value(co_await c->body);
        }
    } catch (...) {
        c->value.set_exception(std::current_exception());
    }
}

/// Creates the root coroutine for cell c, bound to c's header, ready to be started.
template <class T, class Cell>
root_handle make_root(Cell* c) {
    root_handle h = run_root<T>(c).h;
    h.promise().ctx = task_ctx{c, &c->cancel, nullptr};
    c->start_node.handle = h;
    return h;
}

}  // namespace weir::detail

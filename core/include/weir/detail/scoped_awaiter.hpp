// Awaits a task under a modified context: another cancellation scope (with_cancellation) or an
// extra task_local binding (task_local::scope). Everything else (the task header, the other
// bindings) is inherited from the awaiting coroutine as usual.
#pragma once

#include <stdexcept>

#include "../task.hpp"
#include "promise_base.hpp"

namespace weir::detail {

template <class T>
struct scoped_awaiter : uncancellable_await {
    task<T>* t;
    cancel_state* scope = nullptr;     // null: keep the caller's
    local_binding* binding = nullptr;  // null: keep the caller's
    typename task<T>::awaiter inner{};

    bool await_ready() const {
        if (!t->valid()) throw std::invalid_argument("weir: a scoped task is empty");
        return false;
    }
    template <class P>
    suspend_t await_suspend(coro::coroutine_handle<P> parent) noexcept {
        inner.h = t->handle();
        suspend_t next = inner.await_suspend(parent);
        task_ctx& ctx = inner.h.promise().ctx;
        if (scope) ctx.cancel = scope;
        if (binding) {
            binding->next = ctx.locals;
            ctx.locals = binding;
        }
        return next;
    }
    T await_resume() { return inner.await_resume(); }
};

}  // namespace weir::detail

// weir::task_local<T>: a value scoped to a task, as tokio's task_local!. key.scope(v, t) runs t
// (and everything t awaits, including join/select branches) with key bound to v; key.get() reads
// the innermost binding. Tasks spawned from inside the scope do not inherit it.
// Bindings live in the awaiting coroutine frames and are found through the running coroutine's
// context: no thread_local per key, no allocation.
#pragma once

#include <stdexcept>
#include <utility>

#include "detail/promise_base.hpp"
#include "detail/scoped_awaiter.hpp"
#include "task.hpp"

namespace weir {

template <class T>
class task_local {
public:
    task_local() = default;
    task_local(const task_local&) = delete;
    task_local& operator=(const task_local&) = delete;

    /// Runs t with this key bound to value; gives t's result.
    template <class R>
    task<R> scope(T value, task<R> t) const {
        detail::local_binding binding{this, &value, nullptr};
        task<R> inner = std::move(t);
        co_return co_await detail::scoped_awaiter<R>{{}, &inner, nullptr, &binding};
    }

    /// The value bound by the innermost enclosing scope() of the running task, or null.
    T* try_get() const noexcept {
        detail::promise_base* p = detail::this_thread.current;
        for (detail::local_binding* b = p ? p->ctx.locals : nullptr; b; b = b->next)
            if (b->key == this) return static_cast<T*>(b->value);
        return nullptr;
    }
    /// The bound value; throws std::logic_error outside any scope() of this key.
    T& get() const {
        if (T* v = try_get()) return *v;
        throw std::logic_error("weir::task_local::get: no value is set for this task");
    }
};

}  // namespace weir

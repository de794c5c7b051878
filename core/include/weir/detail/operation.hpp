// Operations: awaitables that some primitives return instead of a task (mpsc send and recv), so
// an await that can complete at once does so in await_ready, without a coroutine frame, a resume
// or a reference count. An operation borrows the object it came from, as `co_await tx.send(v)`
// does naturally. Where a task is needed (spawn, select, join, timeout, with_cancellation,
// block_on) the operation converts itself with `std::move(op).into_task()`, and that task keeps
// what it needs alive on its own (a sender clone, the channel). The combinators accept both
// through the overloads that use into_task below.
#pragma once

#include <type_traits>
#include <utility>

#include "../task.hpp"

namespace weir::detail {

/// An awaitable that can become a task.
template <class A>
concept operation = !is_task<std::remove_cvref_t<A>>::value && requires(A && a) {
    {std::move(a).into_task()};
};

/// A task or an operation: what the task-taking combinators accept.
template <class A>
concept task_or_operation = is_task<std::remove_cvref_t<A>>::value || operation<A>;

template <class T>
task<T> into_task(task<T>&& t) noexcept {
    return std::move(t);
}
template <operation A>
auto into_task(A&& a) {
    return std::move(a).into_task();
}

/// True when at least one of As is an operation (the overloads that convert are chosen only then,
/// so calls with tasks alone keep their direct overload).
template <class... As>
concept any_operation = (operation<As> || ...) && (task_or_operation<As> && ...);

}  // namespace weir::detail

// weir::try_join(t...): like join, but the first task to fail cancels the others; once they have
// all stopped (their cleanup has run) the failure is rethrown.
#pragma once

#include "detail/operation.hpp"
#include "join.hpp"

namespace weir {

/// Awaits every task concurrently; on the first exception cancels the rest, waits for them, and
/// rethrows it. On success gives the values in argument order (void as std::monostate).
template <class... Ts>
task<std::tuple<detail::value_of<Ts>...>> try_join(task<Ts>... ts) {
    detail::check_tasks("weir::try_join", ts...);
    detail::tuple_group<Ts...> g(detail::group_mode::try_all, std::move(ts)...);
    co_await g.wait();
    co_return g.take_all();
}

/// try_join over tasks and operations: each operation becomes a task first.
template <class... As>
    requires detail::any_operation<As...>
auto try_join(As&&... as) { return try_join(detail::into_task(std::forward<As>(as))...); }

}  // namespace weir

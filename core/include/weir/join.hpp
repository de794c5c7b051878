// weir::join(t...): runs tasks concurrently as branches of the calling task and gives all their
// values as a tuple (void becomes std::monostate). Every branch runs to the end; if any failed,
// the first failure is rethrown once all have finished.
#pragma once

#include <cstddef>
#include <tuple>
#include <utility>

#include "detail/group.hpp"
#include "detail/operation.hpp"
#include "task.hpp"

namespace weir {

namespace detail {

template <class T>
using value_of = typename result<T>::value_type;

/// A fixed set of branches with heterogeneous result types.
template <class... Ts>
struct tuple_group : group_base {
    std::tuple<result<Ts>...> results;
    branch_set set;

    tuple_group(group_mode m, task<Ts>&&... ts) : group_base(m) {
        set.handles.reserve(sizeof...(Ts));
        add(std::index_sequence_for<Ts...>{}, std::move(ts)...);
    }
    template <std::size_t... I>
    void add(std::index_sequence<I...>, task<Ts>&&... ts) {
        (set.handles.push_back(make_branch<Ts>(this, I, std::move(ts), &std::get<I>(results))),
         ...);
    }
    group_awaiter wait() noexcept { return {{}, this, set.handles}; }
    std::tuple<value_of<Ts>...> take_all() {
        rethrow_if_failed();
        return std::apply([](auto&... r) { return std::tuple<value_of<Ts>...>(r.take_value()...); },
                          results);
    }
};

template <class... Ts>
void check_tasks(const char* who, const task<Ts>&... ts) {
    if (!(ts.valid() && ...)) throw std::invalid_argument(std::string(who) + ": a task is empty");
}

}  // namespace detail

/// Awaits every task concurrently; gives their values in argument order.
template <class... Ts>
task<std::tuple<detail::value_of<Ts>...>> join(task<Ts>... ts) {
    detail::check_tasks("weir::join", ts...);
    detail::tuple_group<Ts...> g(detail::group_mode::all, std::move(ts)...);
    co_await g.wait();
    co_return g.take_all();
}

/// join over tasks and operations (such as `tx.send(v)`): each operation becomes a task first.
template <class... As>
    requires detail::any_operation<As...>
auto join(As&&... as) { return join(detail::into_task(std::forward<As>(as))...); }

}  // namespace weir

// weir::select(t...): races tasks. The first to finish wins; the others are cancelled and select
// returns only after they have stopped, so their cleanup has run. The result is a std::variant
// whose index() says which task won (void becomes std::monostate); if the winner threw, select
// rethrows. Branches start in argument order, so when several are ready at once the first wins.
#pragma once

#include <variant>

#include "detail/operation.hpp"
#include "join.hpp"

namespace weir {

namespace detail {
template <class V, class Tuple, std::size_t I = 0>
V take_winner(Tuple& results, std::size_t winner) {
    if constexpr (I < std::tuple_size_v<Tuple>) {
        if (winner == I) return V(std::in_place_index<I>, std::get<I>(results).take_value());
        return take_winner<V, Tuple, I + 1>(results, winner);
    } else {
        throw std::logic_error("weir::select: no winner");
    }
}
}  // namespace detail

/// Races the tasks; gives the winner's value in the variant alternative of its position.
template <class... Ts>
task<std::variant<detail::value_of<Ts>...>> select(task<Ts>... ts) {
    static_assert(sizeof...(Ts) > 0, "weir::select needs at least one task");
    detail::check_tasks("weir::select", ts...);
    detail::tuple_group<Ts...> g(detail::group_mode::race, std::move(ts)...);
    co_await g.wait();
    g.rethrow_if_failed();
    co_return detail::take_winner<std::variant<detail::value_of<Ts>...>>(
        g.results, static_cast<std::size_t>(g.winner));
}

/// select over tasks and operations (such as `rx.recv()`): each operation becomes a task first.
template <class... As>
    requires detail::any_operation<As...>
auto select(As&&... as) { return select(detail::into_task(std::forward<As>(as))...); }

}  // namespace weir

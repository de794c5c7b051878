// fold(init, f): acc = f(std::move(acc), x) for every item, then gives acc. f returns the new
// accumulator, or a weir::task of it.
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "detail/invoke.hpp"

namespace weir::stream {

namespace detail {
template <class S, class Acc, class F>
task<Acc> fold_task(S s, Acc acc, F f) {
    using R = std::invoke_result_t<F&, Acc&&, item_t<S>&&>;
    for (;;) {
        std::optional<item_t<S>> v = co_await s.pull();
        if (!v) break;
        if constexpr (is_task_v<R>)
            acc = co_await std::invoke(f, std::move(acc), std::move(*v));
        else
            acc = std::invoke(f, std::move(acc), std::move(*v));
    }
    co_return acc;
}
}  // namespace detail

template <class D, class T>
template <class Acc, class F>
task<Acc> stream_base<D, T>::fold(Acc init, F f) && {
    static_assert(std::is_invocable_v<F&, Acc&&, T&&>,
                  "weir::stream::fold: f must be callable as f(Acc, item)");
    static_assert(std::is_convertible_v<detail::call_result_t<F, Acc&&, T&&>, Acc>,
                  "weir::stream::fold: f must return the accumulator (or a task of it)");
    return detail::fold_task<D, Acc, F>(moved_self(), std::move(init), std::move(f));
}

}  // namespace weir::stream

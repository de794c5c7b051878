// scan(init, f): carries a state through the stream. For each item x, f(state&, x) returns
// std::optional<U> (or a weir::task of it): a value is passed on, std::nullopt ends the stream.
// Running totals: iter(1, 5).scan(0, [](int& acc, int x) { acc += x; return std::optional(acc); })
// gives 1, 3, 6, 10.
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "detail/invoke.hpp"
#include "filter_map.hpp"
#include "generator.hpp"

namespace weir::stream {

namespace detail {
template <class S, class St, class F, class U>
generator<U> scan_gen(S up, St state, F f) {
    using R = std::invoke_result_t<F&, St&, item_t<S>&&>;
    for (;;) {
        std::optional<item_t<S>> v = co_await up.pull();
        if (!v) co_return;
        std::optional<U> out;
        if constexpr (is_task_v<R>)
            out = co_await std::invoke(f, state, std::move(*v));
        else
            out = std::invoke(f, state, std::move(*v));
        if (!out) co_return;
        co_yield yield_slot<U>{&out};
    }
}
}  // namespace detail

template <class D, class T>
template <class St, class F>
auto stream_base<D, T>::scan(St init, F f) && {
    static_assert(std::is_invocable_v<F&, St&, T&&>,
                  "weir::stream::scan: f must be callable as f(state&, item)");
    using O = detail::call_result_t<F, St&, T&&>;
    static_assert(detail::optional_value<O>::ok,
                  "weir::stream::scan: f must return std::optional<U> or a task of it");
    using U = typename detail::optional_value<O>::type;
    return detail::scan_gen<D, St, F, U>(moved_self(), std::move(init), std::move(f));
}

}  // namespace weir::stream

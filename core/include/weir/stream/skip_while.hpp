// skip_while(p): drops items while p(x) holds; from the first item for which it does not, passes
// that item and every later one on, without calling p again (Rust's StreamExt::skip_while). p
// takes const T& and returns bool or weir::task<bool>.
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "detail/invoke.hpp"
#include "detail/pull_into.hpp"
#include "generator.hpp"

namespace weir::stream {

namespace detail {
template <class S, class P>
generator<item_t<S>> skip_while_gen(S up, P p) {
    using T = item_t<S>;
    using R = std::invoke_result_t<P&, const T&>;
    std::optional<T> v;
    for (;;) {
        co_await pull_into(up, v);  // detail/pull_into.hpp: not `v = co_await pull()`
        if (!v) co_return;
        bool skip;
        if constexpr (is_task_v<R>)
            skip = co_await std::invoke(p, std::as_const(*v));
        else
            skip = std::invoke(p, std::as_const(*v));
        if (!skip) break;
    }
    co_yield yield_slot<T>{&v};
    for (;;) {
        co_await pull_into(up, v);
        if (!v) co_return;
        co_yield yield_slot<T>{&v};
    }
}
}  // namespace detail

template <class D, class T>
template <class P>
generator<T> stream_base<D, T>::skip_while(P p) && {
    static_assert(std::is_invocable_v<P&, const T&>,
                  "weir::stream::skip_while: p must be callable with const item&");
    static_assert(std::is_convertible_v<detail::call_result_t<P, const T&>, bool>,
                  "weir::stream::skip_while: p must return bool or weir::task<bool>");
    return detail::skip_while_gen<D, P>(moved_self(), std::move(p));
}

}  // namespace weir::stream

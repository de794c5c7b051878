// filter(p): keeps the items x for which p(x) is true; p takes const T& and returns bool or
// weir::task<bool>. A generator stage: it may pull several upstream items per item it gives.
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "detail/invoke.hpp"
#include "generator.hpp"

namespace weir::stream {

namespace detail {
template <class S, class P>
generator<item_t<S>> filter_gen(S up, P p) {
    using T = item_t<S>;
    using R = std::invoke_result_t<P&, const T&>;
    for (;;) {
        std::optional<T> v = co_await up.pull();
        if (!v) co_return;
        bool keep;
        if constexpr (is_task_v<R>)
            keep = co_await std::invoke(p, std::as_const(*v));
        else
            keep = std::invoke(p, std::as_const(*v));
        if (keep) co_yield yield_slot<T>{&v};
    }
}
}  // namespace detail

template <class D, class T>
template <class P>
generator<T> stream_base<D, T>::filter(P p) && {
    static_assert(std::is_invocable_v<P&, const T&>,
                  "weir::stream::filter: p must be callable with const item&");
    static_assert(std::is_convertible_v<detail::call_result_t<P, const T&>, bool>,
                  "weir::stream::filter: p must return bool or weir::task<bool>");
    return detail::filter_gen<D, P>(moved_self(), std::move(p));
}

}  // namespace weir::stream

// take_while(p): passes items on while p(x) holds, and ends at the first item for which it does
// not (that item is dropped, and the upstream is not pulled again). p takes const T& and returns
// bool or weir::task<bool>.
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
generator<item_t<S>> take_while_gen(S up, P p) {
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
        if (!keep) co_return;
        co_yield yield_slot<T>{&v};
    }
}
}  // namespace detail

template <class D, class T>
template <class P>
generator<T> stream_base<D, T>::take_while(P p) && {
    static_assert(std::is_invocable_v<P&, const T&>,
                  "weir::stream::take_while: p must be callable with const item&");
    static_assert(std::is_convertible_v<detail::call_result_t<P, const T&>, bool>,
                  "weir::stream::take_while: p must return bool or weir::task<bool>");
    return detail::take_while_gen<D, P>(moved_self(), std::move(p));
}

}  // namespace weir::stream

// any(p) and all(p): whether p(x) holds for some item, or for every item (Rust's StreamExt::any
// and all). They stop at the first item that decides (any: the first that holds; all: the first
// that does not) and do not pull the stream again; an empty stream gives false and true. p takes
// const T& and returns bool or weir::task<bool>.
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "detail/invoke.hpp"
#include "stream_base.hpp"

namespace weir::stream {

namespace detail {
/// The first item for which p(x) == wanted: true if there is one.
template <class S, class P>
task<bool> find_task(S s, P p, bool wanted) {
    using T = item_t<S>;
    using R = std::invoke_result_t<P&, const T&>;
    for (;;) {
        std::optional<T> v = co_await s.pull();
        if (!v) co_return false;
        bool r;
        if constexpr (is_task_v<R>)
            r = co_await std::invoke(p, std::as_const(*v));
        else
            r = std::invoke(p, std::as_const(*v));
        if (r == wanted) co_return true;
    }
}

template <class S, class P>
task<bool> all_task(S s, P p) {
    co_return !co_await find_task<S, P>(std::move(s), std::move(p), false);
}
}  // namespace detail

template <class D, class T>
template <class P>
task<bool> stream_base<D, T>::any(P p) && {
    static_assert(std::is_invocable_v<P&, const T&>,
                  "weir::stream::any: p must be callable with const item&");
    static_assert(std::is_convertible_v<detail::call_result_t<P, const T&>, bool>,
                  "weir::stream::any: p must return bool or weir::task<bool>");
    return detail::find_task<D, P>(moved_self(), std::move(p), true);
}

template <class D, class T>
template <class P>
task<bool> stream_base<D, T>::all(P p) && {
    static_assert(std::is_invocable_v<P&, const T&>,
                  "weir::stream::all: p must be callable with const item&");
    static_assert(std::is_convertible_v<detail::call_result_t<P, const T&>, bool>,
                  "weir::stream::all: p must return bool or weir::task<bool>");
    return detail::all_task<D, P>(moved_self(), std::move(p));
}

}  // namespace weir::stream

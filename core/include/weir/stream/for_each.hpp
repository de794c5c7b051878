// for_each(f): calls f(x) for every item, one at a time and in order; when f returns a weir::task
// it is awaited before the next item is pulled. Whatever f returns is discarded.
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "detail/invoke.hpp"

namespace weir::stream {

namespace detail {
template <class S, class F>
task<void> for_each_task(S s, F f) {
    using R = std::invoke_result_t<F&, item_t<S>&&>;
    for (;;) {
        std::optional<item_t<S>> v = co_await s.pull();
        if (!v) break;
        if constexpr (is_task_v<R>)
            co_await std::invoke(f, std::move(*v));
        else
            std::invoke(f, std::move(*v));
    }
}
}  // namespace detail

template <class D, class T>
template <class F>
task<void> stream_base<D, T>::for_each(F f) && {
    static_assert(std::is_invocable_v<F&, T&&>,
                  "weir::stream::for_each: f must be callable with the stream's item type");
    return detail::for_each_task<D, F>(moved_self(), std::move(f));
}

}  // namespace weir::stream

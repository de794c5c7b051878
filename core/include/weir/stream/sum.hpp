// sum(): runs the stream to its end and gives T{} + x0 + x1 + ... (T{} for an empty stream).
#pragma once

#include <optional>
#include <utility>

#include "stream_base.hpp"

namespace weir::stream {

namespace detail {
template <class S>
task<item_t<S>> sum_task(S s) {
    item_t<S> total{};
    for (;;) {
        std::optional<item_t<S>> v = co_await s.pull();
        if (!v) break;
        total = std::move(total) + std::move(*v);
    }
    co_return total;
}
}  // namespace detail

template <class D, class T>
task<T> stream_base<D, T>::sum() && {
    static_assert(
        requires(T a, T b) { T(std::move(a) + std::move(b)); },
        "weir::stream::sum: the items must support +");
    return detail::sum_task<D>(moved_self());
}

}  // namespace weir::stream

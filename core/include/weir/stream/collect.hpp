// collect(): runs the stream to its end and gives every item, in a std::vector<T> or, with
// collect<C>(), in any container C that has push_back or insert (std::deque, std::set, ...).
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "detail/pull_into.hpp"
#include "stream_base.hpp"

namespace weir::stream {

namespace detail {
template <class C, class S>
task<C> collect_into(S s) {
    C out;
    for (;;) {
        std::optional<item_t<S>> v;
        co_await pull_into(s, v);  // detail/pull_into.hpp: not `v = co_await pull()`
        if (!v) break;
        if constexpr (requires { out.push_back(std::move(*v)); })
            out.push_back(std::move(*v));
        else
            out.insert(std::move(*v));
    }
    co_return out;
}
}  // namespace detail

template <class D, class T>
task<std::vector<T>> stream_base<D, T>::collect() && {
    return detail::collect_into<std::vector<T>, D>(moved_self());
}

template <class D, class T>
template <class C>
task<C> stream_base<D, T>::collect() && {
    static_assert(
        requires(C c, T v) { c.push_back(std::move(v)); } ||
            requires(C c, T v) { c.insert(std::move(v)); },
        "weir::stream::collect<C>: C needs push_back(T) or insert(T)");
    return detail::collect_into<C, D>(moved_self());
}

}  // namespace weir::stream

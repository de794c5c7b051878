// zip(other): pairs the items of two streams, std::tuple<A, B>, and ends when either ends. The
// two are pulled one after the other (this stream first), so zip adds no concurrency: while it
// waits for one side, the other is not being pulled.
#pragma once

#include <optional>
#include <tuple>
#include <utility>

#include "generator.hpp"

namespace weir::stream {

namespace detail {
template <class S1, class S2>
generator<std::tuple<item_t<S1>, item_t<S2>>> zip_gen(S1 a, S2 b) {
    using P = std::tuple<item_t<S1>, item_t<S2>>;
    std::optional<P> out;
    for (;;) {
        auto x = co_await a.pull();
        if (!x) co_return;
        auto y = co_await b.pull();
        if (!y) co_return;
        out.emplace(std::move(*x), std::move(*y));
        co_yield yield_slot<P>{&out};
    }
}
}  // namespace detail

template <class D, class T>
template <stream_like S2>
generator<std::tuple<T, item_t<S2>>> stream_base<D, T>::zip(S2 other) && {
    return detail::zip_gen<D, S2>(moved_self(), std::move(other));
}

}  // namespace weir::stream

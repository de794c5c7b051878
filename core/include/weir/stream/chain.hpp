// chain(other): the items of this stream, then, once it has ended, those of other (Rust's
// StreamExt::chain). Both have the same item type. The first stream is released (its stages'
// cleanup runs) as soon as it ends, before other is first pulled; other is not pulled before.
#pragma once

#include <optional>
#include <type_traits>
#include <utility>

#include "detail/pull_into.hpp"
#include "generator.hpp"

namespace weir::stream {

namespace detail {
template <class S1, class S2>
generator<item_t<S1>> chain_gen(S1 a, S2 b) {
    using T = item_t<S1>;
    std::optional<T> v;
    {
        std::optional<S1> first(std::in_place, std::move(a));
        for (;;) {
            co_await pull_into(*first, v);  // detail/pull_into.hpp: not `v = co_await pull()`
            if (!v) break;
            co_yield yield_slot<T>{&v};
        }
    }  // the first stream's cleanup runs here
    for (;;) {
        co_await pull_into(b, v);
        if (!v) co_return;
        co_yield yield_slot<T>{&v};
    }
}
}  // namespace detail

template <class D, class T>
template <stream_like S2>
generator<T> stream_base<D, T>::chain(S2 other) && {
    static_assert(std::is_same_v<item_t<S2>, T>,
                  "weir::stream::chain: both streams must have the same item type");
    return detail::chain_gen<D, S2>(moved_self(), std::move(other));
}

}  // namespace weir::stream

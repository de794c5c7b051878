// flatten(): for a stream whose items are streams (or ranges, such as the vectors of chunks),
// the items of the first inner one, then of the second, and so on. Inner streams are pulled one
// at a time; use merge for concurrency. Inner ranges give up their elements by iter's rule
// (detail/range_elements.hpp): a container is moved out of, a view (std::span over the caller's
// vector) is copied from.
#pragma once

#include <optional>
#include <ranges>
#include <type_traits>
#include <utility>

#include "detail/range_elements.hpp"
#include "generator.hpp"

namespace weir::stream {

namespace detail {
template <class I>
struct inner_item {
    using type = void;
};
template <class I>
    requires stream_like<I>
struct inner_item<I> {
    using type = item_t<I>;
};
template <class I>
    requires(!stream_like<I> && std::ranges::input_range<I>)
struct inner_item<I> {
    using type = std::ranges::range_value_t<I>;
};

template <class S, class U>
generator<U> flatten_gen(S up) {
    using I = item_t<S>;
    for (;;) {
        std::optional<I> inner = co_await up.pull();
        if (!inner) co_return;
        if constexpr (stream_like<I>) {
            for (;;) {
                std::optional<U> v = co_await inner->pull();
                if (!v) break;
                co_yield yield_slot<U>{&v};
            }
        } else {
            auto end = std::ranges::end(*inner);
            for (auto it = std::ranges::begin(*inner); it != end; ++it) {
                std::optional<U> v(take_element<U, I>(it));
                co_yield yield_slot<U>{&v};
            }
        }
    }
}
}  // namespace detail

template <class D, class T>
auto stream_base<D, T>::flatten() && {
    using U = typename detail::inner_item<T>::type;
    static_assert(!std::is_void_v<U>, "weir::stream::flatten: the items must be streams or ranges");
    return detail::flatten_gen<D, U>(moved_self());
}

}  // namespace weir::stream

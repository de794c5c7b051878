// skip(n): drops the first n items and passes on the rest.
#pragma once

#include <cstddef>
#include <optional>
#include <utility>

#include "generator.hpp"

namespace weir::stream {

namespace detail {
template <class S>
generator<item_t<S>> skip_gen(S up, std::size_t n) {
    using T = item_t<S>;
    for (std::size_t i = 0; i < n; ++i)
        if (!co_await up.pull()) co_return;
    for (;;) {
        std::optional<T> v = co_await up.pull();
        if (!v) co_return;
        co_yield yield_slot<T>{&v};
    }
}
}  // namespace detail

template <class D, class T>
generator<T> stream_base<D, T>::skip(std::size_t n) && {
    return detail::skip_gen<D>(moved_self(), n);
}

}  // namespace weir::stream

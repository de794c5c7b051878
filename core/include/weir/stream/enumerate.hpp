// enumerate(): each item with its position, std::pair<std::size_t, T>, counting from 0 (Rust's
// StreamExt::enumerate).
#pragma once

#include <cstddef>
#include <optional>
#include <utility>

#include "generator.hpp"

namespace weir::stream {

namespace detail {
template <class S>
generator<std::pair<std::size_t, item_t<S>>> enumerate_gen(S up) {
    using P = std::pair<std::size_t, item_t<S>>;
    std::optional<P> out;
    for (std::size_t i = 0;; ++i) {
        auto v = co_await up.pull();
        if (!v) co_return;
        out.emplace(i, std::move(*v));
        co_yield yield_slot<P>{&out};
    }
}
}  // namespace detail

template <class D, class T>
generator<std::pair<std::size_t, T>> stream_base<D, T>::enumerate() && {
    return detail::enumerate_gen<D>(moved_self());
}

}  // namespace weir::stream

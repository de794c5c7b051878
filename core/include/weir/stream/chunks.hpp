// chunks(n): groups items into std::vector<T> of n; the last chunk holds what is left (it may be
// shorter, never empty). n must be at least 1.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "generator.hpp"

namespace weir::stream {

namespace detail {
template <class S>
generator<std::vector<item_t<S>>> chunks_gen(S up, std::size_t n) {
    using T = item_t<S>;
    std::optional<std::vector<T>> out;
    for (;;) {
        std::vector<T> chunk;
        chunk.reserve(n);
        while (chunk.size() < n) {
            std::optional<T> v = co_await up.pull();
            if (!v) break;
            chunk.push_back(std::move(*v));
        }
        if (chunk.empty()) co_return;
        bool short_tail = chunk.size() < n;
        out.emplace(std::move(chunk));
        co_yield yield_slot<std::vector<T>>{&out};
        if (short_tail) co_return;
    }
}
}  // namespace detail

template <class D, class T>
generator<std::vector<T>> stream_base<D, T>::chunks(std::size_t n) && {
    if (n == 0) throw std::invalid_argument("weir::stream::chunks: n must be at least 1");
    return detail::chunks_gen<D>(moved_self(), n);
}

}  // namespace weir::stream

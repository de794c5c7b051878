// chunks(n): groups items into std::vector<T> of n; the last chunk holds what is left (it may be
// shorter, never empty). n must be at least 1. When the upstream throws, the items of the chunk
// being filled are handed back first, as a shorter chunk, and the next pull rethrows: no item the
// stage took is lost to the error. A cancellation is rethrown at once (the consumer is going
// away). For streams of fallible items, try_chunks does the same with error items.
#pragma once

#include <cstddef>
#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "../errors.hpp"
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
        std::exception_ptr failed;
        while (chunk.size() < n) {
            std::optional<T> v;
            try {
                v = co_await up.pull();
            } catch (const operation_cancelled&) {
                throw;  // the consumer is going away: nothing to hand back to
            } catch (...) {
                if (chunk.empty()) throw;
                failed = std::current_exception();
                break;
            }
            if (!v) break;
            chunk.push_back(std::move(*v));
        }
        if (chunk.empty()) co_return;
        bool short_tail = chunk.size() < n;
        out.emplace(std::move(chunk));
        co_yield yield_slot<std::vector<T>>{&out};
        if (failed) std::rethrow_exception(failed);
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

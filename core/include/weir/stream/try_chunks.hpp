// try_chunks(n): chunks(n) for a stream of fallible items (fallible.hpp): the values grouped into
// results holding std::vector<value> of n, where an error item ends the chunk being filled. The
// values before the error are handed back first, as a shorter chunk (none when the chunk was
// empty), then the error itself; the stream goes on after it with a new chunk, as
// futures::TryStreamExt's try_chunks does (its error carries the partial chunk; here it comes
// just before). So no value is lost to an error, and a consumer that stops at the first error
// (try_collect, try_for_each) still sees every value before it. n must be at least 1.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "fallible.hpp"
#include "generator.hpp"

namespace weir::stream {

namespace detail {
template <class Out, class S>
generator<Out> try_chunks_gen(S up, std::size_t n) {
    using V = typename item_t<S>::value_type;
    std::optional<Out> out;
    for (;;) {
        std::vector<V> chunk;
        chunk.reserve(n);
        std::optional<item_t<S>> failed;
        bool ended = false;
        while (chunk.size() < n) {
            std::optional<item_t<S>> v = co_await up.pull();
            if (!v) {
                ended = true;
                break;
            }
            if (!v->has_value()) {
                failed = std::move(v);
                break;
            }
            chunk.push_back(*std::move(*v));
        }
        if (!chunk.empty()) {
            out.emplace(std::move(chunk));
            co_yield yield_slot<Out>{&out};
        }
        if (failed) {
            out.emplace(error_result<Out>(std::move(*failed).error()));
            co_yield yield_slot<Out>{&out};
        }
        if (ended) co_return;
    }
}
}  // namespace detail

template <class D, class T>
auto stream_base<D, T>::try_chunks(std::size_t n) && {
    detail::check_fallible_items<T>();
    if (n == 0) throw std::invalid_argument("weir::stream::try_chunks: n must be at least 1");
    if constexpr (fallible<T>) {
        static_assert(!std::is_void_v<typename T::value_type>,
                      "weir::stream::try_chunks: the items hold no value (void)");
        using Out = detail::rebind_result_t<T, std::vector<typename T::value_type>>;
        return detail::try_chunks_gen<Out, D>(moved_self(), n);
    }
}

}  // namespace weir::stream

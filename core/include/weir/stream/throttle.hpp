// throttle(d): the same items, at least d apart (tokio-stream's throttle): the first passes at
// once, each later one no sooner than d after the one before it was handed on. The upstream is
// not pulled during the wait, so a throttled stream also slows what feeds it.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>

#include "../time.hpp"
#include "generator.hpp"

namespace weir::stream {

namespace detail {
template <class S>
generator<item_t<S>> throttle_gen(S up, clock::duration d) {
    using T = item_t<S>;
    std::optional<clock::time_point> last;
    for (;;) {
        if (last) co_await sleep_until(*last + d);
        std::optional<T> v = co_await up.pull();
        if (!v) co_return;
        last = clock::now();
        co_yield yield_slot<T>{&v};
    }
}
}  // namespace detail

template <class D, class T>
template <class Rep, class Period>
generator<T> stream_base<D, T>::throttle(std::chrono::duration<Rep, Period> d) && {
    if (d <= d.zero()) throw std::invalid_argument("weir::stream::throttle: d must be positive");
    return detail::throttle_gen<D>(moved_self(), std::chrono::ceil<clock::duration>(d));
}

}  // namespace weir::stream

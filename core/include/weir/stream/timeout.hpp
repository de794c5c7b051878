// timeout(d): every item must arrive within d of being pulled. If one does not, its pull is
// cancelled (the upstream's in-flight work runs its cleanup) and the stream ends by throwing
// weir::timed_out to the consumer. (tokio-stream's timeout yields an error item and goes on; a
// weir stream whose pull was cancelled has ended, so here the timeout ends it.) Unlike most
// stages it allocates per item: each pull runs as a task raced against a timer (weir::timeout).
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>

#include "../time.hpp"
#include "generator.hpp"
#include "next.hpp"

namespace weir::stream {

namespace detail {
template <class S>
generator<item_t<S>> timeout_gen(S up, clock::duration d) {
    using T = item_t<S>;
    for (;;) {
        std::optional<T> v = co_await weir::timeout(d, next_of(up));
        if (!v) co_return;
        co_yield yield_slot<T>{&v};
    }
}
}  // namespace detail

template <class D, class T>
template <class Rep, class Period>
generator<T> stream_base<D, T>::timeout(std::chrono::duration<Rep, Period> d) && {
    if (d <= d.zero()) throw std::invalid_argument("weir::stream::timeout: d must be positive");
    return detail::timeout_gen<D>(moved_self(), std::chrono::ceil<clock::duration>(d));
}

}  // namespace weir::stream

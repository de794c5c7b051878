// weir::stream::interval: an endless stream of ticks, one every period. The first tick is at once;
// each item is the instant the tick was scheduled for (start + k * period). A consumer that falls
// behind gets the missed ticks back to back, and the schedule keeps its phase (like
// weir::interval and tokio's default MissedTickBehavior::Burst).
#pragma once

#include <chrono>
#include <stdexcept>

#include "../time.hpp"
#include "generator.hpp"

namespace weir::stream {

namespace detail {
inline generator<clock::time_point> interval_gen(clock::duration period) {
    clock::time_point due = clock::now();
    for (;;) {
        co_await sleep_until(due);
        co_yield due;
        due += period;
    }
}
}  // namespace detail

/// Ticks at now, now + period, now + 2 * period, ... (the clock starts at the first pull).
template <class Rep, class Period>
generator<clock::time_point> interval(std::chrono::duration<Rep, Period> period) {
    auto p = std::chrono::ceil<clock::duration>(period);
    if (p <= clock::duration::zero())
        throw std::invalid_argument("weir::stream::interval: the period must be positive");
    return detail::interval_gen(p);
}

}  // namespace weir::stream

// flatten_unordered(n): for a stream of streams, the items of up to n inner streams at a time, as
// they come (futures' flatten_unordered). The outer stream is pulled for a new inner stream while
// fewer than n are running; inner streams with an item ready take turns in a ring (as in
// select_all), and each keeps its own order. Ends when the outer stream and every inner one have
// ended. The first exception from any of them ends the whole (the other pulls are cancelled).
// One pump per running inner stream, in one child_pool with the outer stream's pump.
#pragma once

#include <cstddef>
#include <exception>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "detail/child_pool.hpp"
#include "detail/pump.hpp"
#include "generator.hpp"

namespace weir::stream {

namespace detail {
template <class S>
generator<item_t<item_t<S>>> flatten_unordered_gen(S up, std::size_t n) {
    using I = item_t<S>;
    using T = item_t<I>;
    child_pool pool;
    pump<S> outer(std::move(up), pool);
    std::vector<std::unique_ptr<pump<I>>> inner;  // running inner streams, at most n
    drain_on_exit guard{pool};
    std::size_t turn = 0;
    for (;;) {
        pool.poll();
        if (outer.error()) std::rethrow_exception(outer.error());
        for (auto& p : inner)
            if (p->error()) std::rethrow_exception(p->error());
        // An inner stream that ended is done with (idle: its child is parked, so it can go).
        for (std::size_t i = 0; i < inner.size();) {
            if (inner[i]->ended() && !inner[i]->has_item()) {
                inner.erase(inner.begin() + static_cast<std::ptrdiff_t>(i));
                if (turn > i) --turn;
            } else {
                ++i;
            }
        }
        if (outer.has_item() && inner.size() < n)
            inner.push_back(std::make_unique<pump<I>>(outer.take(), pool));
        // Hand out the first ready item from `turn` on.
        const std::size_t m = inner.size();
        bool handed = false;
        for (std::size_t k = 0; k < m; ++k) {
            std::size_t i = (turn + k) % m;
            if (inner[i]->has_item()) {
                turn = (i + 1) % m;
                co_yield yield_slot<T>{&inner[i]->item()};
                handed = true;
                break;
            }
        }
        if (handed) continue;
        // Nothing ready: pull the inner streams in ring order (handing out one that answers at
        // once before pulling the next), then the outer one if there is room for another.
        bool answered = false;
        for (std::size_t k = 0; k < m && !answered; ++k) {
            pump<I>& p = *inner[(turn + k) % m];
            if (p.idle() && !p.ended()) p.request();
            if (p.has_item() || p.error() || p.ended()) answered = true;
        }
        if (answered) continue;
        if (outer.idle() && !outer.ended() && inner.size() < n) {
            outer.request();
            if (outer.has_item() || outer.error()) continue;
        }
        if (outer.ended() && inner.empty()) co_return;
        co_await pool.wait();
    }
}
}  // namespace detail

template <class D, class T>
auto stream_base<D, T>::flatten_unordered(std::size_t n) && {
    static_assert(stream_like<T>,
                  "weir::stream::flatten_unordered: the items must be streams (for ranges, "
                  "flatten: their elements are there at once)");
    if (n == 0)
        throw std::invalid_argument("weir::stream::flatten_unordered: n must be at least 1");
    return detail::flatten_unordered_gen<D>(moved_self(), n);
}

}  // namespace weir::stream

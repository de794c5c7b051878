// chunks_timeout(n, d): groups items into std::vector<T> of at most n, handing a chunk on when
// it is full or when d has passed since its first item came, whichever is first (tokio-stream's
// chunks_timeout): a slow source still gets its items through within d. The upstream is pulled
// while the deadline runs (a pump and a timer child in one child_pool). At the end the last,
// shorter chunk is handed on; a chunk is never empty. An exception from the upstream ends the
// stream, and the items of the chunk being filled are dropped with it.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "../time.hpp"
#include "detail/child_pool.hpp"
#include "detail/deadline.hpp"
#include "detail/pump.hpp"
#include "generator.hpp"

namespace weir::stream {

namespace detail {
template <class S>
generator<std::vector<item_t<S>>> chunks_timeout_gen(S up, std::size_t n, clock::duration d) {
    using T = item_t<S>;
    using C = std::vector<T>;
    child_pool pool;
    pump<S> src(std::move(up), pool);
    deadline_child timer(pool);
    drain_on_exit guard{pool};
    C buf;
    std::optional<C> out;
    for (;;) {
        pool.poll();
        if (src.error()) std::rethrow_exception(src.error());
        bool hand_on = false;
        if (src.has_item()) {
            if (buf.empty()) timer.arm(clock::now() + d);
            buf.push_back(src.take());
            hand_on = buf.size() == n;
        } else if (timer.fired() || (src.ended() && !buf.empty())) {
            hand_on = !buf.empty();
            if (!hand_on) timer.disarm();  // (a deadline is only armed with an item in the chunk)
        } else if (src.ended()) {
            co_return;
        }
        if (hand_on) {
            timer.disarm();
            out.emplace(std::move(buf));
            buf = C{};
            co_yield yield_slot<C>{&out};
            continue;
        }
        if (src.has_item() || timer.fired()) continue;
        if (src.idle() && !src.ended()) {
            src.request();
            if (src.has_item() || src.error() || src.ended()) continue;
        }
        co_await pool.wait();
    }
}
}  // namespace detail

template <class D, class T>
template <class Rep, class Period>
generator<std::vector<T>> stream_base<D, T>::chunks_timeout(
    std::size_t n, std::chrono::duration<Rep, Period> d) && {
    if (n == 0) throw std::invalid_argument("weir::stream::chunks_timeout: n must be at least 1");
    if (d <= d.zero())
        throw std::invalid_argument("weir::stream::chunks_timeout: d must be positive");
    return detail::chunks_timeout_gen<D>(moved_self(), n, std::chrono::ceil<clock::duration>(d));
}

}  // namespace weir::stream

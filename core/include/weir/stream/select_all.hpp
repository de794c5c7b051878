// select_all(streams): the items of any number of streams of one item type as they come,
// interleaved; ends when all have ended (Rust's futures::stream::select_all). Every stream is
// pulled at the same time, by a pump each in one child_pool (as merge does for two). Streams
// with an item ready take turns in a ring, so each gets an equal share while all are ready:
// three streams of equal speed give a third each, where a.merge(b).merge(c) gives c half (the
// outer merge takes turns between c and the inner merge). The first exception from any stream
// ends the whole (the others' pulls are cancelled). An empty vector gives an empty stream.
#pragma once

#include <cstddef>
#include <exception>
#include <memory>
#include <utility>
#include <vector>

#include "detail/child_pool.hpp"
#include "detail/pump.hpp"
#include "generator.hpp"

namespace weir::stream {

namespace detail {
template <class S>
generator<item_t<S>> select_all_gen(std::vector<S> streams) {
    using T = item_t<S>;
    child_pool pool;
    std::vector<std::unique_ptr<pump<S>>> pumps;  // pumps do not move: one allocation each
    pumps.reserve(streams.size());
    for (S& s : streams) pumps.push_back(std::make_unique<pump<S>>(std::move(s), pool));
    streams.clear();
    drain_on_exit guard{pool};
    const std::size_t n = pumps.size();
    std::size_t turn = 0;  // the ring's next stream
    for (;;) {
        pool.poll();  // streams woken meanwhile get their items in, so none starves
        for (auto& p : pumps)
            if (p->error()) std::rethrow_exception(p->error());
        // Hand out the first ready item from `turn` on, and move the turn past it.
        bool handed = false;
        for (std::size_t k = 0; k < n; ++k) {
            std::size_t i = (turn + k) % n;
            if (pumps[i]->has_item()) {
                turn = (i + 1) % n;
                co_yield yield_slot<T>{&pumps[i]->item()};
                handed = true;
                break;
            }
        }
        if (handed) continue;
        // Nothing to hand out: pull, in ring order from `turn`. A stream that answers at once is
        // handed out before the next is pulled, so select_all holds no more items than it must
        // (an item pulled and not handed on is lost when the stream is dropped).
        bool answered = false, live = false;
        for (std::size_t k = 0; k < n && !answered; ++k) {
            pump<S>& p = *pumps[(turn + k) % n];
            if (p.idle() && !p.ended()) p.request();
            if (p.has_item() || p.error()) answered = true;
            if (!p.ended()) live = true;
        }
        if (answered) continue;
        if (!live) co_return;
        co_await pool.wait();
    }
}
}  // namespace detail

/// The items of every stream in `streams` as they come (see the file comment).
template <stream_like S>
generator<item_t<S>> select_all(std::vector<S> streams) {
    return detail::select_all_gen<S>(std::move(streams));
}

}  // namespace weir::stream

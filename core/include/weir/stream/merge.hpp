// merge(other): the items of two streams as they come, interleaved; ends when both have ended.
// When both have an item ready they take turns, so neither side can starve the other. The first
// exception from either side ends the merged stream (the other side's pull is cancelled).
// Both sides are pulled at the same time by two pumps in a child_pool.
// What a drop can destroy, exactly: an item is pulled from a side only while merge has nothing
// to hand out, and a side that answers at once is handed out before the other is pulled. So
// merge holds a pulled item only when both sides, pulled together, gave one before the merged
// stream ran again; it hands out one and keeps the other for the next pull. Dropping the merged
// stream then destroys that kept item: at most one item, of one side, ever (pinned by
// stream_merge_dropped_destroys_at_most_one_pulled_item). A side still waiting is cancelled,
// which destroys nothing: a cancelled channel receive puts its value back.
#pragma once

#include <exception>
#include <type_traits>
#include <utility>

#include "detail/child_pool.hpp"
#include "detail/pump.hpp"
#include "generator.hpp"

namespace weir::stream {

namespace detail {
/// Which side merge hands out next: 0 neither, 1 a, 2 b. Takes turns when both are ready.
inline int merge_pick(bool a_ready, bool b_ready, bool a_turn) noexcept {
    if (a_ready && (a_turn || !b_ready)) return 1;
    if (b_ready) return 2;
    return 0;
}

template <class S1, class S2>
generator<item_t<S1>> merge_gen(S1 a, S2 b) {
    using T = item_t<S1>;
    child_pool pool;
    pump<S1> pa(std::move(a), pool);
    pump<S2> pb(std::move(b), pool);
    drain_on_exit guard{pool};
    bool a_turn = true;
    for (;;) {
        pool.poll();  // a side woken meanwhile gets its item in, so neither starves
        if (pa.error()) std::rethrow_exception(pa.error());
        if (pb.error()) std::rethrow_exception(pb.error());
        switch (merge_pick(pa.has_item(), pb.has_item(), a_turn)) {
            case 1:
                a_turn = false;
                co_yield yield_slot<T>{&pa.item()};
                continue;
            case 2:
                a_turn = true;
                co_yield yield_slot<T>{&pb.item()};
                continue;
            default:
                break;
        }
        // Nothing to hand out: pull, the side whose turn it is first. A side that answers at
        // once is handed out before the other is pulled, so merge never holds more items than
        // it must (an item pulled and not handed on is lost when the stream is dropped).
        if (a_turn) {
            if (pa.idle() && !pa.ended()) pa.request();
            if (pa.has_item() || pa.error()) continue;
            if (pb.idle() && !pb.ended()) pb.request();
        } else {
            if (pb.idle() && !pb.ended()) pb.request();
            if (pb.has_item() || pb.error()) continue;
            if (pa.idle() && !pa.ended()) pa.request();
        }
        if (pa.has_item() || pb.has_item() || pa.error() || pb.error()) continue;
        if (pa.ended() && pb.ended()) co_return;
        co_await pool.wait();
    }
}
}  // namespace detail

template <class D, class T>
template <stream_like S2>
generator<T> stream_base<D, T>::merge(S2 other) && {
    static_assert(std::is_same_v<item_t<S2>, T>,
                  "weir::stream::merge: both streams must have the same item type");
    return detail::merge_gen<D, S2>(moved_self(), std::move(other));
}

}  // namespace weir::stream

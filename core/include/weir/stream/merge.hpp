// merge(other): the items of two streams as they come, interleaved; ends when both have ended.
// When both have an item ready they take turns, so neither side can starve the other. The first
// exception from either side ends the merged stream (the other side's pull is cancelled).
// Both sides are pulled at the same time by two pumps in a child_pool.
#pragma once

#include <exception>
#include <type_traits>
#include <utility>

#include "detail/child_pool.hpp"
#include "detail/pump.hpp"
#include "generator.hpp"

namespace weir::stream {

namespace detail {
template <class S1, class S2>
generator<item_t<S1>> merge_gen(S1 a, S2 b) {
    using T = item_t<S1>;
    child_pool pool;
    wd::local_binding* locals = wd::current_ctx().locals;
    pump<S1> pa(std::move(a), pool, locals);
    pump<S2> pb(std::move(b), pool, locals);
    drain_on_exit guard{pool};
    bool a_turn = true;
    for (;;) {
        if (pa.idle() && !pa.ended()) pa.request();
        if (pb.idle() && !pb.ended()) pb.request();
        if (pa.error()) std::rethrow_exception(pa.error());
        if (pb.error()) std::rethrow_exception(pb.error());
        if (pa.has_item() && (a_turn || !pb.has_item())) {
            a_turn = false;
            co_yield yield_slot<T>{&pa.item()};
            continue;
        }
        if (pb.has_item()) {
            a_turn = true;
            co_yield yield_slot<T>{&pb.item()};
            continue;
        }
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

// buffered(n): for a stream of weir::task<U> items (typically map(f) with f returning a task),
// runs up to n of them at once and gives their results in input order. This is the workhorse of
// concurrent pipelines:
//
//     iter(urls).map(fetch).buffered(8).for_each(store)
//
// The tasks run inside the consuming task, as children of a child_pool (concurrency, not
// parallelism: for CPU-heavy tasks use spawn_buffered). At most n tasks are in flight, counting
// the finished ones waiting for their turn, so memory is bounded by n. The upstream is pulled by
// a pump while the tasks run, so a finished head is handed out even while the upstream is slow.
// Errors keep their place in the order: an exception from a task reaches the consumer when that
// task's turn comes, the upstream's after every task started before it; either way the stream
// then ends and the tasks still in flight are cancelled (their cleanup runs first).
//
// Over a map stage whose f makes the tasks, buffered takes the map apart: it pulls the map's
// upstream and calls f itself on an item that the task's slot owns until the task has finished
// (detail/owned_item_task.hpp), so f may take the item by reference at no extra cost.
#pragma once

#include <cstddef>
#include <exception>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "detail/index_ring.hpp"
#include "detail/owned_item_task.hpp"
#include "detail/stage_name.hpp"
#include "detail/task_window.hpp"
#include "generator.hpp"
#include "map.hpp"

namespace weir::stream {

namespace detail {
/// make(item) gives the task for an upstream item: as_is when the items are the tasks, or a
/// taken-apart map's f on the slot's own copy of the item (OwnItems).
template <class U, bool OwnItems, class S, class Make>
generator<U> buffered_gen(S up, Make make, std::size_t n, const char* name) {
    task_window<S, U, OwnItems> w(std::move(up), n, false, name);
    index_ring order;  // slots in input order
    auto in_order = [&order](std::size_t i) { order.push_back(i); };
    for (;;) {
        w.fill(make, in_order);
        if (!order.empty() && w.slots.done(order.front())) {
            std::size_t i = order.front();
            order.pop_front();
            auto& s = w.slots.at(i);
            if (s.error) std::rethrow_exception(s.error);
            co_yield yield_slot<U>{&s.value};
            w.slots.release(i);
            continue;
        }
        if (order.empty() && w.src.ended()) {
            if (w.src.error()) std::rethrow_exception(w.src.error());
            co_return;
        }
        co_await w.pool.wait();
    }
}

template <class T>
void check_task_items(std::size_t n, const char* what) {
    static_assert(task_value<T>::is_task,
                  "weir::stream: buffered, buffer_unordered and spawn_buffered need a stream of "
                  "weir::task<U> items; write map(f) with f returning weir::task<U> before them");
    if constexpr (task_value<T>::is_task)
        static_assert(!std::is_void_v<task_value_t<T>>,
                      "weir::stream: the tasks must return a value (for task<void>, use "
                      "for_each_concurrent)");
    if (n == 0) throw std::invalid_argument(std::string(what) + ": n must be at least 1");
}
}  // namespace detail

template <class D, class T>
auto stream_base<D, T>::buffered(std::size_t n) && {
    detail::check_task_items<T>(n, "weir::stream::buffered");
    using U = detail::task_value_t<T>;
    const char* name = detail::stage_name_or("buffered");
    if constexpr (detail::is_task_map_v<D>) {
        if (self().has_upstream()) {
            auto f = detail::call_on_owned_item<typename D::holder>{moved_self().take_fn()};
            return detail::buffered_gen<U, true>(moved_self().take_upstream(), std::move(f), n,
                                                 name);
        }
    }
    return detail::buffered_gen<U, false>(moved_self(), detail::as_is{}, n, name);
}

}  // namespace weir::stream

// try_buffered(n): buffered(n) for tasks whose results are fallible (fallible.hpp): up to n run
// at once, their values come out in input order, and an error comes out as soon as it happens
// (futures::TryStreamExt's try_buffered). When a task finishes with an error, or throws, or the
// upstream throws, the next pull gives that error (an error item, or the exception rethrown)
// ahead of the earlier tasks still running or waiting for their turn; those are cancelled and
// their cleanup has run by then, and the stream ends after the error. So a pipeline that fails
// fails at the speed of its fastest failure, not of its slowest task before it, which buffered's
// in-order errors would wait for.
//
// Everything else is buffered's (buffered.hpp): the window of n, the pump, and taking a map stage
// apart so that each task owns its item.
#pragma once

#include <cstddef>
#include <exception>
#include <optional>
#include <utility>

#include "buffered.hpp"
#include "fallible.hpp"

namespace weir::stream {

namespace detail {
/// make: as in buffered_gen.
template <class U, bool OwnItems, class S, class Make>
generator<U> try_buffered_gen(S up, Make make, std::size_t n, const char* name) {
    std::optional<U> failed;
    {  // the window's scope: leaving it cancels the tasks in flight and drains them
        task_window<S, U, OwnItems> w(std::move(up), n, true, name);  // track finishes: errors
        index_ring order;                                             // slots in input order
        auto in_order = [&order](std::size_t i) { order.push_back(i); };
        while (!failed) {
            w.fill(make, in_order);
            if (w.src.error()) std::rethrow_exception(w.src.error());
            // Every task that finished since the last look: the first failure ends the stream.
            while (std::optional<std::size_t> done = w.slots.pop_finished()) {
                auto& s = w.slots.at(*done);
                if (s.error) std::rethrow_exception(s.error);
                if (!s.value->has_value()) {
                    failed.emplace(std::move(*s.value));
                    break;
                }
            }
            if (failed) break;
            if (!order.empty() && w.slots.done(order.front())) {
                std::size_t i = order.front();
                order.pop_front();
                co_yield yield_slot<U>{&w.slots.at(i).value};
                w.slots.release(i);
                continue;
            }
            if (order.empty() && w.src.ended()) co_return;
            co_await w.pool.wait();
        }
    }
    co_yield yield_slot<U>{&failed};  // after the cleanup of everything upstream
}
}  // namespace detail

template <class D, class T>
auto stream_base<D, T>::try_buffered(std::size_t n) && {
    detail::check_task_items<T>(n, "weir::stream::try_buffered");
    using U = detail::task_value_t<T>;
    static_assert(fallible<U>,
                  "weir::stream::try_buffered: the tasks must return a fallible result "
                  "(weir::expected<T, E>, std::expected<T, E>, ...); for plain values use "
                  "buffered");
    const char* name = detail::stage_name_or("try_buffered");
    if constexpr (detail::is_task_map_v<D>) {  // as in buffered
        if (self().has_upstream()) {
            auto f = detail::call_on_owned_item<typename D::holder>{moved_self().take_fn()};
            return detail::try_buffered_gen<U, true>(moved_self().take_upstream(), std::move(f), n,
                                                     name);
        }
    }
    return detail::try_buffered_gen<U, false>(moved_self(), detail::as_is{}, n, name);
}

}  // namespace weir::stream

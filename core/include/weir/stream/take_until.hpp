// take_until(token): passes items on until the token is cancelled; then the pull in progress is
// cancelled (the upstream's cleanup runs) and the stream ends normally, so a consumer such as
// collect() returns what arrived before. An item the upstream had already given when the token
// fired is still handed on: take_until never destroys an item it pulled. Waiting for the upstream
// and for the token at the same time takes a child_pool: the upstream is pulled by a pump, the
// token watched by a child task.
#pragma once

#include <exception>
#include <optional>
#include <utility>

#include "../cancellation_token.hpp"
#include "detail/child_pool.hpp"
#include "detail/pump.hpp"
#include "detail/task_slots.hpp"
#include "generator.hpp"

namespace weir::stream {

namespace detail {
template <class S>
generator<item_t<S>> take_until_gen(S up, cancellation_token token) {
    using T = item_t<S>;
    if (token.is_cancelled()) co_return;
    child_pool pool;
    pump<S> src(std::move(up), pool);
    task_slots<void> watch(pool, 1, false, nullptr);  // not reported: not a stage
    drain_on_exit guard{pool};
    std::size_t watcher = watch.start(token.cancelled());
    for (;;) {
        // An item the upstream already gave is handed on even when the token fired meanwhile:
        // ending here would destroy an item that was pulled, and nothing else would see it.
        if (src.has_item()) {
            co_yield yield_slot<T>{&src.item()};
            continue;
        }
        // The token itself, not only the watcher: with an upstream that answers at once the
        // stage never waits, so the watcher's wake may not have been drained yet.
        if (token.is_cancelled() || watch.done(watcher)) co_return;
        if (src.idle() && !src.ended()) src.request();
        if (src.has_item()) continue;
        if (src.ended()) {
            if (src.error()) std::rethrow_exception(src.error());
            co_return;
        }
        co_await pool.wait();
    }
}
}  // namespace detail

template <class D, class T>
generator<T> stream_base<D, T>::take_until(cancellation_token token) && {
    return detail::take_until_gen<D>(moved_self(), std::move(token));
}

}  // namespace weir::stream

// buffer_unordered(n): like buffered(n), but each result is handed out as soon as its task
// finishes, whatever its position. The first exception (from a task or the upstream) ends the
// stream when it happens; the tasks still in flight are cancelled and their cleanup runs first.
#pragma once

#include <cstddef>
#include <exception>
#include <optional>
#include <utility>

#include "buffered.hpp"

namespace weir::stream {

namespace detail {
template <class S>
generator<task_value_t<item_t<S>>> buffer_unordered_gen(S up, std::size_t n) {
    using U = task_value_t<item_t<S>>;
    child_pool pool;
    pump<S> src(std::move(up), pool);
    task_slots<U> slots(pool, n, true);
    drain_on_exit guard{pool};
    for (;;) {
        while (slots.has_free() && !src.ended()) {
            if (src.idle()) src.request();
            if (!src.has_item()) break;
            slots.start(src.take());
        }
        if (src.error()) std::rethrow_exception(src.error());
        if (std::optional<std::size_t> done = slots.pop_finished()) {
            std::size_t i = *done;
            auto& s = slots.at(i);
            if (s.error) std::rethrow_exception(s.error);
            co_yield yield_slot<U>{&s.value};
            slots.release(i);
            continue;
        }
        if (slots.in_use() == 0 && src.ended()) co_return;
        co_await pool.wait();
    }
}
}  // namespace detail

template <class D, class T>
auto stream_base<D, T>::buffer_unordered(std::size_t n) && {
    detail::check_task_items<T>(n, "weir::stream::buffer_unordered");
    return detail::buffer_unordered_gen<D>(moved_self(), n);
}

}  // namespace weir::stream

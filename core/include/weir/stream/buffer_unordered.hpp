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
generator<task_value_t<item_t<S>>> buffer_unordered_gen(S up, std::size_t n, const char* name) {
    using U = task_value_t<item_t<S>>;
    task_window<S, U> w(std::move(up), n, true, name);
    for (;;) {
        w.fill(as_is{}, ignore_index{});
        if (w.src.error()) std::rethrow_exception(w.src.error());
        if (std::optional<std::size_t> done = w.slots.pop_finished()) {
            auto& s = w.slots.at(*done);
            if (s.error) std::rethrow_exception(s.error);
            co_yield yield_slot<U>{&s.value};
            w.slots.release(*done);
            continue;
        }
        if (w.slots.in_use() == 0 && w.src.ended()) co_return;
        co_await w.pool.wait();
    }
}
}  // namespace detail

template <class D, class T>
auto stream_base<D, T>::buffer_unordered(std::size_t n) && {
    detail::check_task_items<T>(n, "weir::stream::buffer_unordered");
    return detail::buffer_unordered_gen<D>(moved_self(), n,
                                           detail::stage_name_or("buffer_unordered"));
}

}  // namespace weir::stream

// buffer_unordered(n): like buffered(n), but each result is handed out as soon as its task
// finishes, whatever its position. The first exception (from a task or the upstream) ends the
// stream when it happens; the tasks still in flight are cancelled and their cleanup runs first.
// Over a map stage making the tasks it owns each item while its task runs, as buffered does.
#pragma once

#include <cstddef>
#include <exception>
#include <optional>
#include <utility>

#include "buffered.hpp"

namespace weir::stream {

namespace detail {
/// make: as in buffered_gen.
template <class U, bool OwnItems, class S, class Make>
generator<U> buffer_unordered_gen(S up, Make make, std::size_t n, const char* name) {
    task_window<S, U, OwnItems> w(std::move(up), n, true, name);
    for (;;) {
        w.fill(make, ignore_index{});
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
    using U = detail::task_value_t<T>;
    const char* name = detail::stage_name_or("buffer_unordered");
    if constexpr (detail::is_task_map_v<D>) {  // as in buffered
        if (self().has_upstream()) {
            auto f = detail::call_on_owned_item<typename D::holder>{moved_self().take_fn()};
            return detail::buffer_unordered_gen<U, true>(moved_self().take_upstream(), std::move(f),
                                                         n, name);
        }
    }
    return detail::buffer_unordered_gen<U, false>(moved_self(), detail::as_is{}, n, name);
}

}  // namespace weir::stream

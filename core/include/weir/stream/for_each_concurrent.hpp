// for_each_concurrent(n, f): calls f(x), which returns a weir::task, for every item, with up to n
// of those tasks running at once inside the consuming task (buffered's machinery, without
// results). The first exception cancels the tasks still running (their cleanup runs), stops
// pulling, and is rethrown. Each item lives in its task's slot until that task has finished, so
// f may take it by reference (`[](const T& x) -> weir::task<void>`), as with for_each.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "detail/invoke.hpp"
#include "detail/stage_name.hpp"
#include "detail/task_window.hpp"

namespace weir::stream {

namespace detail {
template <class S, class F, class U>
task<void> for_each_concurrent_task(S up, std::size_t n, F f, const char* name) {
    task_window<S, U, true> w(std::move(up), n, true, name);
    auto make = [&f](item_t<S>&& x) { return std::invoke(f, std::move(x)); };  // the slot's x
    for (;;) {
        w.fill(make, ignore_index{});
        if (w.src.error()) std::rethrow_exception(w.src.error());
        while (std::optional<std::size_t> done = w.slots.pop_finished()) {
            if (w.slots.at(*done).error) std::rethrow_exception(w.slots.at(*done).error);
            w.slots.release(*done);
        }
        if (w.slots.in_use() == 0 && w.src.ended()) co_return;
        if (w.slots.has_free() && w.src.idle() && !w.src.ended()) continue;
        co_await w.pool.wait();
    }
}
}  // namespace detail

template <class D, class T>
template <class F>
task<void> stream_base<D, T>::for_each_concurrent(std::size_t n, F f) && {
    static_assert(std::is_invocable_v<F&, T&&>,
                  "weir::stream::for_each_concurrent: f must be callable with the item type");
    using R = std::remove_cvref_t<std::invoke_result_t<F&, T&&>>;
    static_assert(detail::is_task_v<R>,
                  "weir::stream::for_each_concurrent: f must return a weir::task");
    if (n == 0)
        throw std::invalid_argument("weir::stream::for_each_concurrent: n must be at least 1");
    return detail::for_each_concurrent_task<D, F, detail::task_value_t<R>>(
        moved_self(), n, std::move(f), detail::stage_name_or("for_each_concurrent"));
}

}  // namespace weir::stream

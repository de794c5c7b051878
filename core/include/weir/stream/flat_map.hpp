// flat_map(f): f(x) gives a stream or a range for each item; their items, one inner stream after
// another (Rust's StreamExt::flat_map). The same as map(f).flatten(), and so by flatten's rules:
// inner streams are pulled one at a time, a container's elements are moved out of, a view's
// copied.
#pragma once

#include <type_traits>
#include <utility>

#include "flatten.hpp"
#include "map.hpp"

namespace weir::stream {

template <class D, class T>
template <class F>
auto stream_base<D, T>::flat_map(F f) && {
    static_assert(std::is_invocable_v<F&, T&&>,
                  "weir::stream::flat_map: f must be callable with an item");
    using R = std::remove_cvref_t<std::invoke_result_t<F&, T&&>>;
    static_assert(!detail::task_value<R>::is_task,
                  "weir::stream::flat_map: f must return a stream or a range, not a task "
                  "(write then(f).flatten() for a task of one)");
    static_assert(!std::is_void_v<typename detail::inner_item<R>::type>,
                  "weir::stream::flat_map: f must return a stream or a range");
    return std::move(self()).map(std::move(f)).flatten();
}

}  // namespace weir::stream

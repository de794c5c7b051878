// filter_map(f): f(x) returns std::optional<U> (or weir::task<std::optional<U>>); the values are
// passed on, the nullopts dropped. filter and map in one step, as in Rust.
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "detail/invoke.hpp"
#include "generator.hpp"

namespace weir::stream {

namespace detail {
template <class O>
struct optional_value {
    static constexpr bool ok = false;
};
template <class U>
struct optional_value<std::optional<U>> {
    static constexpr bool ok = true;
    using type = U;
};

template <class S, class F, class U>
generator<U> filter_map_gen(S up, F f) {
    using R = std::invoke_result_t<F&, item_t<S>&&>;
    for (;;) {
        std::optional<item_t<S>> v = co_await up.pull();
        if (!v) co_return;
        std::optional<U> out;
        if constexpr (is_task_v<R>)
            out = co_await std::invoke(f, std::move(*v));
        else
            out = std::invoke(f, std::move(*v));
        if (out) co_yield yield_slot<U>{&out};
    }
}
}  // namespace detail

template <class D, class T>
template <class F>
auto stream_base<D, T>::filter_map(F f) && {
    static_assert(std::is_invocable_v<F&, T&&>,
                  "weir::stream::filter_map: f must be callable with the stream's item type");
    using O = detail::call_result_t<F, T&&>;
    static_assert(detail::optional_value<O>::ok,
                  "weir::stream::filter_map: f must return std::optional<U> or a task of it");
    using U = typename detail::optional_value<O>::type;
    return detail::filter_map_gen<D, F, U>(moved_self(), std::move(f));
}

}  // namespace weir::stream

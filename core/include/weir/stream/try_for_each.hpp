// try_for_each(f): for a stream of fallible items (fallible.hpp), calls f on each value, one at a
// time and in order, and stops at the first error: an item that holds one, or f returning one.
// The task's result holds nothing (rebind<void>) or that error (futures::TryStreamExt's
// try_for_each). f takes the value (nothing when the items hold void) and returns void, a
// fallible result whose error converts to the items' error type, or a weir::task of either,
// which is awaited before the next pull. After an error the stream is not pulled again.
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "detail/invoke.hpp"
#include "fallible.hpp"

namespace weir::stream {

namespace detail {
/// f on the value r holds (f() when the items hold void).
template <class F, class R>
decltype(auto) call_on_value(F& f, R&& r) {
    if constexpr (std::is_void_v<typename std::remove_cvref_t<R>::value_type>)
        return std::invoke(f);
    else
        return std::invoke(f, *std::move(r));
}

template <class Out, class S, class F>
task<Out> try_for_each_task(S s, F f) {
    using R = decltype(call_on_value(f, std::declval<item_t<S>>()));
    using A = awaited_t<R>;
    using E = typename item_t<S>::error_type;
    for (;;) {
        std::optional<item_t<S>> v = co_await s.pull();
        if (!v) co_return Out();
        if (!v->has_value()) co_return error_result<Out>(std::move(*v).error());
        if constexpr (std::is_void_v<A>) {
            if constexpr (is_task_v<R>)
                co_await call_on_value(f, std::move(*v));
            else
                call_on_value(f, std::move(*v));
        } else if constexpr (is_task_v<R>) {
            A r = co_await call_on_value(f, std::move(*v));
            if (!r.has_value()) co_return error_result<Out>(E(std::move(r).error()));
        } else {
            A r = call_on_value(f, std::move(*v));
            if (!r.has_value()) co_return error_result<Out>(E(std::move(r).error()));
        }
    }
}
}  // namespace detail

template <class D, class T>
template <class F>
auto stream_base<D, T>::try_for_each(F f) && {
    detail::check_fallible_items<T>();
    if constexpr (fallible<T>) {
        using R = decltype(detail::call_on_value(f, std::declval<T>()));
        using A = detail::awaited_t<R>;
        static_assert(std::is_void_v<A> || fallible<A>,
                      "weir::stream::try_for_each: f must return void, a fallible result "
                      "(weir::expected<void, E>, ...) or a weir::task of either");
        if constexpr (fallible<A>)
            static_assert(std::is_constructible_v<typename T::error_type, typename A::error_type&&>,
                          "weir::stream::try_for_each: the error f returns must convert to the "
                          "items' error type");
        using Out = detail::rebind_result_t<T, void>;
        return detail::try_for_each_task<Out, D, F>(moved_self(), std::move(f));
    }
}

}  // namespace weir::stream

// then(f): each item x becomes co_await f(x), where f returns weir::task<U>; one item at a time,
// in order (for several at once, use map(f).buffered(n)).
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "detail/invoke.hpp"
#include "generator.hpp"

namespace weir::stream {

namespace detail {
template <class S, class F, class U>
generator<U> then_gen(S up, F f) {
    for (;;) {
        std::optional<item_t<S>> v = co_await up.pull();
        if (!v) co_return;
        std::optional<U> out(co_await std::invoke(f, std::move(*v)));
        co_yield yield_slot<U>{&out};
    }
}
}  // namespace detail

template <class D, class T>
template <class F>
auto stream_base<D, T>::then(F f) && {
    static_assert(std::is_invocable_v<F&, T&&>,
                  "weir::stream::then: f must be callable with the stream's item type");
    using R = std::invoke_result_t<F&, T&&>;
    static_assert(detail::is_task_v<R>,
                  "weir::stream::then: f must return a weir::task (for a plain function, use map)");
    using U = detail::task_value_t<std::remove_cvref_t<R>>;
    static_assert(!std::is_void_v<U>,
                  "weir::stream::then: f's task must return a value (use for_each for effects)");
    return detail::then_gen<D, F, U>(moved_self(), std::move(f));
}

}  // namespace weir::stream

// The one loop behind filter and take_while: pull an item, test it with p (which returns bool or
// weir::task<bool>), and pass it on if it holds. On a failing item, filter drops it and goes on;
// take_while ends the stream there (and never pulls the upstream again).
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "../generator.hpp"
#include "invoke.hpp"
#include "pull_into.hpp"

namespace weir::stream::detail {

enum class on_false { skip, stop };

template <on_false Mode, class S, class P>
generator<item_t<S>> predicate_gen(S up, P p) {
    using T = item_t<S>;
    using R = std::invoke_result_t<P&, const T&>;
    for (;;) {
        std::optional<T> v;
        co_await pull_into(up, v);  // pull_into.hpp: not `v = co_await pull()`
        if (!v) co_return;
        bool keep;
        if constexpr (is_task_v<R>)
            keep = co_await std::invoke(p, std::as_const(*v));
        else
            keep = std::invoke(p, std::as_const(*v));
        if (keep)
            co_yield yield_slot<T>{&v};
        else if constexpr (Mode == on_false::stop)
            co_return;
    }
}

}  // namespace weir::stream::detail

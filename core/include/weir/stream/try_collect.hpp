// try_collect(): for a stream of fallible items (fallible.hpp), every value in a std::vector, or
// the first error: the result holds std::vector<value> or that error (futures::TryStreamExt's
// try_collect). It stops at the first error and does not pull again. An exception still propagates
// as one.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "fallible.hpp"
#include "stream_base.hpp"

namespace weir::stream {

namespace detail {
template <class Out, class S>
task<Out> try_collect_task(S s) {
    using V = typename item_t<S>::value_type;
    std::vector<V> out;
    for (;;) {
        std::optional<item_t<S>> v = co_await s.pull();
        if (!v) break;
        if (!v->has_value()) co_return error_result<Out>(std::move(*v).error());
        out.push_back(*std::move(*v));
    }
    co_return Out(std::move(out));
}
}  // namespace detail

template <class D, class T>
auto stream_base<D, T>::try_collect() && {
    detail::check_fallible_items<T>();
    if constexpr (fallible<T>) {
        static_assert(!std::is_void_v<typename T::value_type>,
                      "weir::stream::try_collect: the items hold no value (void); use "
                      "try_for_each to check them");
        using Out = detail::rebind_result_t<T, std::vector<typename T::value_type>>;
        return detail::try_collect_task<Out, D>(moved_self());
    }
}

}  // namespace weir::stream

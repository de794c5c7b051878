// filter(p): keeps the items x for which p(x) is true; p takes const T& and returns bool or
// weir::task<bool>. A generator stage: it may pull several upstream items per item it gives.
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "detail/invoke.hpp"
#include "detail/predicate_gen.hpp"
#include "generator.hpp"

namespace weir::stream {

template <class D, class T>
template <class P>
generator<T> stream_base<D, T>::filter(P p) && {
    static_assert(std::is_invocable_v<P&, const T&>,
                  "weir::stream::filter: p must be callable with const item&");
    static_assert(std::is_convertible_v<detail::call_result_t<P, const T&>, bool>,
                  "weir::stream::filter: p must return bool or weir::task<bool>");
    return detail::predicate_gen<detail::on_false::skip, D, P>(moved_self(), std::move(p));
}

}  // namespace weir::stream

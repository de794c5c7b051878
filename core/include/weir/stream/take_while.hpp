// take_while(p): passes items on while p(x) holds, and ends at the first item for which it does
// not (that item is dropped, and the upstream is not pulled again). p takes const T& and returns
// bool or weir::task<bool>.
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
generator<T> stream_base<D, T>::take_while(P p) && {
    static_assert(std::is_invocable_v<P&, const T&>,
                  "weir::stream::take_while: p must be callable with const item&");
    static_assert(std::is_convertible_v<detail::call_result_t<P, const T&>, bool>,
                  "weir::stream::take_while: p must return bool or weir::task<bool>");
    return detail::predicate_gen<detail::on_false::stop, D, P>(moved_self(), std::move(p));
}

}  // namespace weir::stream

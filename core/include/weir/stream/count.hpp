// count(): runs the stream to its end and gives the number of items.
#pragma once

#include <cstddef>

#include "stream_base.hpp"

namespace weir::stream {

namespace detail {
template <class S>
task<std::size_t> count_task(S s) {
    std::size_t n = 0;
    while (co_await s.pull()) ++n;
    co_return n;
}
}  // namespace detail

template <class D, class T>
task<std::size_t> stream_base<D, T>::count() && {
    return detail::count_task<D>(moved_self());
}

}  // namespace weir::stream

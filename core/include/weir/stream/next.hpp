// next(): the next item as a weir::task<std::optional<T>>, for consuming a stream by hand:
//     while (auto v = co_await s.next()) use(*v);
// The task refers to the stream, which must outlive it. (Stages inside weir use pull(), which
// needs no task frame; see stream_base.hpp.)
#pragma once

#include <optional>

#include "stream_base.hpp"

namespace weir::stream {

namespace detail {
template <class S>
task<std::optional<item_t<S>>> next_of(S& s) {
    co_return co_await s.pull();
}
}  // namespace detail

template <class D, class T>
task<std::optional<T>> stream_base<D, T>::next() & {
    return detail::next_of(self());
}

}  // namespace weir::stream

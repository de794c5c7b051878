// weir::stream::once, empty and repeat: the smallest sources (one item, none, the same item
// forever). Their pulls never suspend.
#pragma once

#include <optional>
#include <type_traits>
#include <utility>

#include "detail/ready.hpp"
#include "stream_base.hpp"

namespace weir::stream {

/// One item, then the end.
template <class T>
class once_stream : public stream_base<once_stream<T>, T> {
public:
    explicit once_stream(T v) : v_(std::move(v)) {}
    detail::ready_item<T> pull() noexcept(std::is_nothrow_move_constructible_v<T>) {
        detail::ready_item<T> r{std::move(v_)};
        v_.reset();
        return r;
    }

private:
    std::optional<T> v_;
};

/// No items.
template <class T>
class empty_stream : public stream_base<empty_stream<T>, T> {
public:
    detail::ready_item<T> pull() const noexcept { return {}; }
};

/// Copies of one value, forever (combine with take or take_while).
template <class T>
class repeat_stream : public stream_base<repeat_stream<T>, T> {
public:
    explicit repeat_stream(T v) : v_(std::move(v)) {}
    detail::ready_item<T> pull() { return {v_}; }

private:
    T v_;
};

/// A stream of the single item v.
template <class T>
once_stream<std::decay_t<T>> once(T&& v) {
    return once_stream<std::decay_t<T>>(std::forward<T>(v));
}
/// A stream without items, of item type T.
template <class T>
empty_stream<T> empty() {
    return {};
}
/// An endless stream of copies of v.
template <class T>
repeat_stream<std::decay_t<T>> repeat(T&& v) {
    return repeat_stream<std::decay_t<T>>(std::forward<T>(v));
}

}  // namespace weir::stream

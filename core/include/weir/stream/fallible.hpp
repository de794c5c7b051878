// What the fallible family (try_collect, try_for_each, try_buffered, try_chunks) needs of an item
// that is a value or an error: weir::expected, C++23's std::expected, or any type with the same
// members (the `fallible` concept). The family reads an item's value with `*r` and its error
// with `r.error()`, and makes results of its own (a vector of values, nothing) with the item
// type's `rebind<U>` where it has one (std::expected<T, E> gives std::expected<vector<T>, E>),
// else as weir::expected<U, E>; an error is put in one through its `unexpected_type`.
#pragma once

#include <concepts>
#include <type_traits>
#include <utility>

#include "../expected.hpp"

namespace weir::stream {

/// An item that holds a value or an error (see the file comment).
template <class R>
concept fallible = requires(R r) {
    typename R::value_type;
    typename R::error_type;
    typename R::unexpected_type;
    { r.has_value() } -> std::convertible_to<bool>;
    std::move(r).error();
    *std::move(r);
};

namespace detail {

template <class R, class U>
struct rebind_result {
    using type = weir::expected<U, typename R::error_type>;
};
template <class R, class U>
    requires requires { typename R::template rebind<U>; }
struct rebind_result<R, U> {
    using type = typename R::template rebind<U>;
};
/// The result type holding a U with R's error type.
template <class R, class U>
using rebind_result_t = typename rebind_result<R, U>::type;

/// A result of type Out holding the error e.
template <class Out, class E>
Out error_result(E&& e) {
    return Out(typename Out::unexpected_type(std::forward<E>(e)));
}

template <class T>
void check_fallible_items() {
    static_assert(fallible<T>,
                  "weir::stream: the try_ adapters need items that hold a value or an error "
                  "(weir::expected<T, E>, std::expected<T, E>, or a type with value_type, "
                  "error_type, unexpected_type, has_value(), operator* and error())");
}

}  // namespace detail
}  // namespace weir::stream

// The one rule for taking elements out of a range, shared by iter(range) and flatten(): a range
// that owns its elements (a container held by the stream) gives them up by move; a view or a
// borrowed range (std::span, std::views::all, string_view) refers to the caller's storage, so
// its elements are copied and the caller's storage is left as it was.
#pragma once

#include <iterator>
#include <ranges>
#include <type_traits>

namespace weir::stream::detail {

template <class R>
inline constexpr bool owns_elements = !std::ranges::view<std::remove_cvref_t<R>> &&
                                      !std::ranges::borrowed_range<std::remove_cvref_t<R>>;

/// The element at it, as a value of type T: moved out if range R owns it, else copied.
template <class T, class R, class It>
T take_element(const It& it) {
    if constexpr (owns_elements<R>)
        return T(std::ranges::iter_move(it));
    else
        return T(*it);
}

}  // namespace weir::stream::detail

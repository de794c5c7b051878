// weir::stream::iter: a stream over integers [first, last) or over the elements of a range. Items
// are available at once (the pull never suspends), so iter costs what a loop costs.
#pragma once

#include <concepts>
#include <memory>
#include <ranges>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "detail/range_elements.hpp"
#include "detail/ready.hpp"
#include "stream_base.hpp"

namespace weir::stream {

/// The integers first, first + 1, ..., last - 1 (nothing if last <= first).
template <std::integral I>
class iota_stream : public stream_base<iota_stream<I>, I> {
public:
    iota_stream(I first, I last) noexcept : next_(first), last_(last < first ? first : last) {}
    detail::ready_item<I> pull() noexcept {
        if (next_ == last_) return {};
        return {next_++};
    }

private:
    I next_;
    I last_;
};

/// The elements of a range the stream owns. Containers are moved out element by element; views
/// (std::span, std::views::...) are read and their elements copied (detail/range_elements.hpp).
template <std::ranges::input_range R>
class range_stream : public stream_base<range_stream<R>, std::ranges::range_value_t<R>> {
    using T = std::ranges::range_value_t<R>;

public:
    explicit range_stream(R r) : s_(std::make_unique<state>(std::move(r))) {}
    detail::ready_item<T> pull() {
        if (!s_) throw std::logic_error("weir::stream::iter: pull on a moved-from stream");
        if (!s_->started) {
            s_->it = std::ranges::begin(s_->r);
            s_->started = true;
        }
        if (s_->it == std::ranges::end(s_->r)) return {};
        auto it = s_->it++;
        return {detail::take_element<T, R>(it)};
    }

private:
    // On the heap so that iterators stay valid when the stream object moves.
    struct state {
        explicit state(R&& range) : r(std::move(range)) {}
        R r;
        std::ranges::iterator_t<R> it{};
        bool started = false;
    };
    std::unique_ptr<state> s_;
};

namespace detail {
/// The integer types std::cmp_less accepts (not bool, not the character types).
template <class T>
concept plain_integer = std::integral<T> && !std::same_as<T, bool> && !std::same_as<T, char> &&
                        !std::same_as<T, wchar_t> && !std::same_as<T, char8_t> &&
                        !std::same_as<T, char16_t> && !std::same_as<T, char32_t>;

[[noreturn]] inline void iter_bound_out_of_range(const char* which) {
    throw std::invalid_argument(
        std::string("weir::stream::iter(first, last): ") + which +
        " is not a value of the item type, the common type of first and last (for iter(-5, "
        "v.size()) that is unsigned); give both bounds one signedness, e.g. iter(-5, "
        "std::ssize(v))");
}
}  // namespace detail

/// iter(first, last): the integers [first, last), of the common type of first and last. The
/// bounds are compared as numbers (std::cmp_less), not converted first: with mixed signedness,
/// iter(-5, v.size()) would otherwise be empty (-5 becomes a huge unsigned). A range that is not
/// empty but has a bound the item type cannot hold throws std::invalid_argument.
template <std::integral A, std::integral B>
auto iter(A first, B last) {
    using I = std::common_type_t<A, B>;
    if constexpr (detail::plain_integer<A> && detail::plain_integer<B>) {
        if (!std::cmp_less(first, last)) return iota_stream<I>(I{}, I{});
        if (!std::in_range<I>(first)) detail::iter_bound_out_of_range("first");
        if (!std::in_range<I>(last)) detail::iter_bound_out_of_range("last");
    }
    return iota_stream<I>(static_cast<I>(first), static_cast<I>(last));
}

/// iter(range): the range's elements. The range is stored in the stream (an lvalue container is
/// copied; pass std::span or a view to read it in place, and keep it alive meanwhile).
template <std::ranges::input_range R>
auto iter(R&& r) {
    return range_stream<std::remove_cvref_t<R>>(std::forward<R>(r));
}

}  // namespace weir::stream

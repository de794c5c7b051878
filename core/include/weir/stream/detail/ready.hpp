// The pull awaiter of streams whose items are available at once (iter, once, repeat, empty): it
// never suspends, so pulling from it costs no more than a loop iteration.
#pragma once

#include <optional>
#include <type_traits>
#include <utility>

#include "../../detail/coro.hpp"

namespace weir::stream::detail {

/// std::move(o) as a new optional built from o's value (the value, then the flag), never by
/// copying the optional whole: where o was written just before, a whole copy is a load the store
/// buffer cannot serve (pull_into.hpp says what that costs). o keeps a moved-from value.
template <class T>
std::optional<T> moved_by_value(std::optional<T>& o) noexcept(
    std::is_nothrow_move_constructible_v<T>) {
    if (!o) return std::nullopt;
    return std::optional<T>(std::in_place, std::move(*o));
}

/// dst = std::move(src), field by field (the value, then the flag) for the same reason.
template <class T>
void assign_by_value(std::optional<T>& dst,
                     std::optional<T>& src) noexcept(std::is_nothrow_move_constructible_v<T>) {
    if (src)
        dst.emplace(std::move(*src));
    else
        dst.reset();
}

/// An item value U a ready_item<T> can be made from.
template <class U, class T>
concept item_source = std::is_constructible_v<T, U&&>;

template <class T>
struct ready_item {
    std::optional<T> value;

    ready_item() = default;
    template <item_source<T> U>
    ready_item(U&& v) : value(std::in_place, std::forward<U>(v)) {}
    ready_item(std::optional<T>&& v) noexcept(std::is_nothrow_move_constructible_v<T>) {
        assign_by_value(value, v);
    }
    // Moved field by field, never as a whole optional: a pull made the value with narrow stores
    // just before. User-provided, so that the class is not trivially copyable: a pull's returned
    // ready_item is then built in place, not passed back in registers and copied.
    ready_item(ready_item&& o) noexcept(std::is_nothrow_move_constructible_v<T>)
        : ready_item(std::move(o.value)) {}
    ready_item& operator=(ready_item&&) = delete;
    bool await_ready() const noexcept { return true; }
    bool await_suspend(coro::coroutine_handle<>) const noexcept { return false; }
    std::optional<T> await_resume() noexcept(std::is_nothrow_move_constructible_v<T>) {
        return moved_by_value(value);
    }
    /// await_resume for weir's own stages (pull_into.hpp): the item, or nothing, into dst.
    void take_into(std::optional<T>& dst) noexcept(std::is_nothrow_move_constructible_v<T>) {
        assign_by_value(dst, value);
    }
};

/// Constructs an awaiter in place from a function returning it (awaiters may be immovable).
template <class F>
struct emplace_from {
    F f;
    operator decltype(std::declval<F&>()())() { return f(); }
};

}  // namespace weir::stream::detail

// The pull awaiter of streams whose items are available at once (iter, once, repeat, empty): it
// never suspends, so pulling from it costs no more than a loop iteration.
#pragma once

#include <optional>
#include <utility>

#include "../../detail/coro.hpp"

namespace weir::stream::detail {

template <class T>
struct ready_item {
    std::optional<T> value;
    bool await_ready() const noexcept { return true; }
    bool await_suspend(coro::coroutine_handle<>) const noexcept { return false; }
    std::optional<T> await_resume() noexcept(std::is_nothrow_move_constructible_v<T>) {
        return std::move(value);
    }
};

/// Constructs an awaiter in place from a function returning it (awaiters may be immovable).
template <class F>
struct emplace_from {
    F f;
    operator decltype(std::declval<F&>()())() { return f(); }
};

}  // namespace weir::stream::detail

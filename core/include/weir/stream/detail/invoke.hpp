// Helpers for adapters whose function may return a value or a weir::task of it (filter's
// predicate, fold's step, for_each's body). Each such adapter spells the two cases out with
// `if constexpr (is_task_v<R>) x = co_await f(a); else x = f(a);` rather than hiding a co_await.
#pragma once

#include <functional>
#include <type_traits>
#include <utility>

#include "../stream_base.hpp"

namespace weir::stream::detail {

template <class R>
inline constexpr bool is_task_v = task_value<std::remove_cvref_t<R>>::is_task;

/// What calling F with Args gives once awaited (void stays void).
template <class F, class... Args>
using call_result_t = awaited_t<std::invoke_result_t<F&, Args...>>;

}  // namespace weir::stream::detail

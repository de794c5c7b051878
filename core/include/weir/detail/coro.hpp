// The one place that names the coroutine header. libc++ 13 (Emscripten 3.1.6) only ships
// <experimental/coroutine>; libstdc++ 12 and newer libc++ ship <coroutine>. Everything in weir
// spells coroutine types as weir::coro::X so both toolchains compile the same sources.
#pragma once

#if __has_include(<coroutine>)
#include <coroutine>
namespace weir::coro {
using std::coroutine_handle;
using std::noop_coroutine;
using std::suspend_always;
using std::suspend_never;
}  // namespace weir::coro
#else
#include <experimental/coroutine>
namespace weir::coro {
using std::experimental::coroutine_handle;
using std::experimental::noop_coroutine;
using std::experimental::suspend_always;
using std::experimental::suspend_never;
}  // namespace weir::coro
#endif

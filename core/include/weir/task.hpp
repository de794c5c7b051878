// weir::task<T>: the coroutine type every weir operation returns. Lazy (nothing runs until it is
// awaited or spawned), move-only, and awaiting it gives T or rethrows the task's exception.
// Completion hands control straight back to the awaiting coroutine by symmetric transfer, so a
// loop of millions of sequential co_awaits runs in constant stack.
#pragma once

#include <cassert>
#include <exception>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "detail/coro.hpp"
#include "detail/promise_base.hpp"
#include "detail/result.hpp"
#include "detail/throw.hpp"

namespace weir {

namespace detail {
/// What awaiting an empty weir::task throws (as std::logic_error), wherever it is found.
inline constexpr char empty_task_awaited[] = "weir: co_await on an empty weir::task";
}  // namespace detail

template <class T = void>
class task;

namespace detail {

struct final_transfer {
    bool await_ready() const noexcept { return false; }
    template <class P>
    suspend_t await_suspend(coro::coroutine_handle<P> h) const noexcept {
        coro::coroutine_handle<> c = h.promise().continuation;
        if (c) return transfer_to(c);
        // No continuation: this is the outermost frame of a spawned (or block_on) task, resumed
        // directly by its header. The task is complete; the worker finishes it after this run.
        if (task_header* hd = h.promise().ctx.header) hd->mark_completed();
        return suspend_now();
    }
    void await_resume() const noexcept {}
};

template <class T>
struct task_promise_storage : promise_base {
    result<T> value;
    void unhandled_exception() noexcept { value.set_exception(std::current_exception()); }
    final_transfer final_suspend() noexcept { return {}; }
};

template <class T>
struct task_promise : task_promise_storage<T> {
    task<T> get_return_object() noexcept;
    template <class U = T>
        requires std::is_convertible_v<U&&, T>
    void return_value(U&& v) { this->value.set_value(std::forward<U>(v)); }
};

template <>
struct task_promise<void> : task_promise_storage<void> {
    task<void> get_return_object() noexcept;
    void return_void() noexcept { this->value.set_value(); }
};

}  // namespace detail

/// A lazy, move-only coroutine producing T (or void). Await it from another weir coroutine, hand
/// it to runtime::block_on or weir::spawn, or combine it with join/select.
template <class T>
class [[nodiscard]] task {
    static_assert(!std::is_reference_v<T>,
                  "weir::task<T&> is not supported; return a pointer or "
                  "std::reference_wrapper");

public:
    using value_type = T;
    using promise_type = detail::task_promise<T>;
    using handle_type = coro::coroutine_handle<promise_type>;

    task() noexcept = default;
    explicit task(handle_type h) noexcept : h_(h) {}
    task(task&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    task& operator=(task&& o) noexcept {
        if (this != &o) {
            reset();
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    task(const task&) = delete;
    task& operator=(const task&) = delete;
    ~task() { reset(); }

    /// False for a default-constructed or moved-from task.
    bool valid() const noexcept { return static_cast<bool>(h_); }
    explicit operator bool() const noexcept { return valid(); }
    /// True once the coroutine has run to completion.
    bool is_ready() const noexcept { return h_ && h_.done(); }

    struct awaiter {
        handle_type h;
        bool await_ready() const {
            if (!h) detail::throw_logic_error(detail::empty_task_awaited);
            if (!h.done() && h.promise().continuation)
                detail::throw_logic_error("weir: a weir::task is being awaited twice");
            return h.done();
        }
        template <class P>
        detail::suspend_t await_suspend(coro::coroutine_handle<P> parent) noexcept {
            h.promise().ctx = detail::ctx_of(parent);
            h.promise().continuation = parent;
            return detail::transfer_to(h);
        }
        T await_resume() { return h.promise().value.take(); }
    };
    awaiter operator co_await() & noexcept { return awaiter{h_}; }
    awaiter operator co_await() && noexcept { return awaiter{h_}; }

    /// Internal: the coroutine handle (ownership stays with the task).
    handle_type handle() const noexcept { return h_; }
    /// Internal: gives up ownership of the coroutine.
    handle_type release() noexcept { return std::exchange(h_, nullptr); }

private:
    void reset() noexcept {
        if (h_) h_.destroy();
        h_ = nullptr;
    }
    handle_type h_{};
};

namespace detail {
template <class T>
task<T> task_promise<T>::get_return_object() noexcept {
    return task<T>{coro::coroutine_handle<task_promise<T>>::from_promise(*this)};
}
inline task<void> task_promise<void>::get_return_object() noexcept {
    return task<void>{coro::coroutine_handle<task_promise<void>>::from_promise(*this)};
}

template <class T>
struct is_task : std::false_type {};
template <class T>
struct is_task<task<T>> : std::true_type {};
}  // namespace detail

}  // namespace weir

// Starting work from JavaScript's thread without blocking it. start(rt, t, done) spawns t on rt
// and returns at once; when t finishes, done(outcome) runs on the host thread (host.hpp), from its
// event loop. It works the same in both WebAssembly builds: in the threads build t runs on the
// worker pool and the outcome is proxied to the host thread; in the event-loop build t runs in
// the runtime's slices on the host thread itself. This is what the npm package's bindings are
// built on (docs/wasm.md): block_on may not be used on a browser's main thread, start may.
#pragma once

#include <exception>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>
#include <weir/errors.hpp>
#include <weir/join_handle.hpp>
#include <weir/runtime.hpp>
#include <weir/task.hpp>

#include "host.hpp"

namespace weir::wasm {

/// How a started task ended: its value, or the exception it threw (weir::operation_cancelled
/// when it was aborted or its runtime shut down first).
template <class T>
class outcome {
public:
    bool has_value() const noexcept { return !error_; }
    /// The exception, or null when there is a value.
    std::exception_ptr error() const noexcept { return error_; }
    /// Moves the value out; rethrows the exception if there is one.
    T take() {
        if (error_) std::rethrow_exception(error_);
        if constexpr (!std::is_void_v<T>) return std::move(*value_);
    }

    static outcome failed(std::exception_ptr e) {
        outcome o;
        o.error_ = std::move(e);
        return o;
    }
    template <class... A>
    static outcome succeeded(A&&... a) {
        outcome o;
        if constexpr (!std::is_void_v<T>) o.value_.emplace(std::forward<A>(a)...);
        return o;
    }

private:
    struct none {};
    std::conditional_t<std::is_void_v<T>, none, std::optional<T>> value_;
    std::exception_ptr error_;
};

namespace detail {

/// Delivers the outcome exactly once: at the end of the wrapper task, or, if its frame is
/// destroyed first (abort before the first run, runtime shutdown), from the destructor as
/// operation_cancelled.
template <class T, class F>
struct delivery {
    F done;
    wake_policy policy;
    bool delivered = false;

    delivery(F&& f, wake_policy p) : done(std::move(f)), policy(p) {}
    // A parameter of the wrapper coroutine, so that it lives in the frame from the start (an
    // abort before the first run destroys the frame without running its body).
    delivery(delivery&& o) noexcept(std::is_nothrow_move_constructible_v<F>)
        : done(std::move(o.done)), policy(o.policy) {
        o.delivered = true;
    }
    delivery(const delivery&) = delete;
    ~delivery() {
        if (!delivered) send(outcome<T>::failed(std::make_exception_ptr(operation_cancelled())));
    }
    void send(outcome<T>&& o) noexcept {
        delivered = true;
        try {
            // The policy decides inside the post, under the inbox's lock (host.hpp: wake_policy).
            post_to_host([f = std::move(done), o = std::move(o)]() mutable { f(std::move(o)); },
                         policy);
        } catch (...) {
            // Out of memory for the box: the outcome is lost, as an exception in a detached task.
        }
    }
};

template <class T, class F>
task<void> run_and_deliver(task<T> t, delivery<T, F> d) {
    outcome<T> o;
    try {
        if constexpr (std::is_void_v<T>) {
            co_await std::move(t);
            o = outcome<T>::succeeded();
        } else {
            o = outcome<T>::succeeded(co_await std::move(t));
        }
    } catch (...) {
        o = outcome<T>::failed(std::current_exception());
    }
    d.send(std::move(o));
}

}  // namespace detail

/// Spawns t on rt and returns at once; done(outcome<T>) is called later on the host thread, once,
/// whatever happens (a value, an exception, an abort through the returned handle, or the runtime
/// shutting down first: operation_cancelled). Callable from the host thread or any other. The
/// returned handle can abort the task; dropping it does not.
/// The call site is recorded as the task's spawn location (traces, task dumps).
template <class T, class F>
join_handle<void> start(runtime& rt, task<T> t, F done, const char* file = __builtin_FILE(),
                        unsigned line = __builtin_LINE()) {
    static_assert(std::is_invocable_v<F&, outcome<T>&&>,
                  "weir::wasm::start: done must be callable with weir::wasm::outcome<T>");
    if (!t.valid()) throw std::invalid_argument("weir::wasm::start: the task is empty");
    return rt.spawn(detail::run_and_deliver<T, F>(
                        std::move(t), detail::delivery<T, F>(std::move(done), wake_policy{})),
                    file, line);
}

/// start with a name for the task (shown in traces, stall reports and task dumps), whose outcome
/// wakes the host as `policy` decides (host.hpp: wake_policy; asked once per task, cancelled ones
/// too, on the thread where the task ended, under the host inbox's lock): for many tasks whose
/// outcomes the host may take in batches.
template <class T, class F>
join_handle<void> start_named(runtime& rt, std::string_view name, task<T> t, F done,
                              wake_policy policy, const char* file = __builtin_FILE(),
                              unsigned line = __builtin_LINE()) {
    static_assert(std::is_invocable_v<F&, outcome<T>&&>,
                  "weir::wasm::start_named: done must be callable with weir::wasm::outcome<T>");
    if (!t.valid()) throw std::invalid_argument("weir::wasm::start_named: the task is empty");
    return rt.spawn_named(name,
                          detail::run_and_deliver<T, F>(
                              std::move(t), detail::delivery<T, F>(std::move(done), policy)),
                          file, line);
}

/// start with a name for the task, shown in traces, stall reports and task dumps.
template <class T, class F>
join_handle<void> start_named(runtime& rt, std::string_view name, task<T> t, F done,
                              const char* file = __builtin_FILE(),
                              unsigned line = __builtin_LINE()) {
    return start_named(rt, name, std::move(t), std::move(done), wake_policy{}, file, line);
}

}  // namespace weir::wasm

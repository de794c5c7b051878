// Starting work from inside a task: weir::spawn puts a task on the current runtime's worker pool,
// weir::spawn_blocking runs a plain (blocking) function on the runtime's separate blocking pool,
// and weir::yield_now lets the other tasks of a worker run.
#pragma once

#include <atomic>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "detail/completion.hpp"
#include "detail/operation.hpp"
#include "detail/runtime_core.hpp"
#include "detail/trace_hooks.hpp"
#include "join_handle.hpp"
#include "task.hpp"

namespace weir {

namespace detail {

template <class T>
join_handle<T> spawn_on(runtime_core* rt, task<T>&& t, const char* name = nullptr,
                        const char* file = nullptr, unsigned line = 0) {
    if (!t.valid()) throw std::invalid_argument("weir::spawn: the task is empty");
    auto* c = new spawn_cell<T>(rt, std::move(t));
    c->name = name;
    c->file = file;
    c->line = line;
    c->bind();
    if (submit_task(rt, c)) {
        c->start(&c->start_node);
    } else {
        // The runtime is shutting down: the task never runs and reports cancellation.
        c->cancel_unfinished();
        c->release();  // the runtime's reference
    }
    return join_handle<T>(c);
}

inline runtime_core* require_runtime(const char* what) {
    runtime_core* rt = current_runtime();
    if (!rt) throw std::logic_error(std::string(what) + " called outside a weir::runtime");
    return rt;
}

template <class R, class F>
struct blocking_cell : blocking_job {
    std::atomic<std::uint32_t> refs{2};  // the pool's and the awaiting task's
    runtime_core* rt = nullptr;          // whose pool runs it
    std::optional<F> fn;
    result<R> value;
    completion done;

    void release() noexcept {
        if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }
    static void run_job(blocking_job* j) noexcept {
        auto* c = static_cast<blocking_cell*>(j);
        try {
            if constexpr (std::is_void_v<R>) {
                (*c->fn)();
                c->value.set_value();
            } else {
                c->value.set_value((*c->fn)());
            }
        } catch (...) {
            c->value.set_exception(std::current_exception());
        }
        c->fn.reset();
    }
    static void finish_job(blocking_job* j) noexcept {
        auto* c = static_cast<blocking_cell*>(j);
        c->done.complete();
        c->release();
    }
    static void drop_job(blocking_job* j) noexcept {
        auto* c = static_cast<blocking_cell*>(j);
        c->value.set_exception(std::make_exception_ptr(operation_cancelled()));
        c->done.complete_for_shutdown(c->rt);  // wakes a waiter on another runtime
        c->release();
    }

    struct awaiter : completion::wait {
        blocking_cell* c;
        explicit awaiter(blocking_cell* cell) : completion::wait(&cell->done), c(cell) {}
        R await_resume() {
            resumed();
            return c->value.take();
        }
    };
};

/// Owns the awaiting side's reference; a coroutine parameter, so it is released even when the
/// returned task is dropped without ever running.
template <class Cell>
struct cell_ref {
    Cell* c;
    explicit cell_ref(Cell* p) noexcept : c(p) {}
    cell_ref(cell_ref&& o) noexcept : c(std::exchange(o.c, nullptr)) {}
    cell_ref(const cell_ref&) = delete;
    ~cell_ref() {
        if (c) c->release();
    }
};

template <class R, class F>
task<R> await_blocking(cell_ref<blocking_cell<R, F>> ref) {
    co_return co_await typename blocking_cell<R, F>::awaiter{ref.c};
}

struct yield_awaiter {
    bool await_ready() const noexcept { return false; }
    template <class P>
    bool await_suspend(coro::coroutine_handle<P> h) noexcept {
        task_header* header = ctx_of(h).header;
        if (!header) return false;
        node.handle = h;
        header->yield(&node);
        return true;
    }
    void await_resume() const noexcept {}
    /// As a task, for the combinators that take one.
    task<void> into_task() && { return run(); }
    static task<void> run() { co_await yield_awaiter{}; }
    resume_node node{};
};

}  // namespace detail

/// Spawns t onto the runtime of the calling task; it starts running concurrently at once.
/// Throws std::logic_error outside a runtime (use runtime::spawn there).
/// The call site is recorded as the task's spawn location (traces, stall reports, task dumps).
template <class T>
join_handle<T> spawn(task<T> t, const char* file = __builtin_FILE(),
                     unsigned line = __builtin_LINE()) {
    return detail::spawn_on(detail::require_runtime("weir::spawn"), std::move(t), nullptr, file,
                            line);
}
/// spawn with a name for the task, shown in traces, stall reports and task dumps.
template <class T>
join_handle<T> spawn_named(std::string_view name, task<T> t, const char* file = __builtin_FILE(),
                           unsigned line = __builtin_LINE()) {
    return detail::spawn_on(detail::require_runtime("weir::spawn_named"), std::move(t),
                            detail::intern_name(name), file, line);
}
/// Spawns an operation (such as `tx.send(v)`) as a task of its own.
template <detail::operation A>
auto spawn(A&& op, const char* file = __builtin_FILE(), unsigned line = __builtin_LINE()) {
    return spawn(detail::into_task(std::forward<A>(op)), file, line);
}

/// Runs f() on the runtime's blocking pool (threads apart from the workers, for code that blocks
/// or computes for long) and returns a task that gives f's result or rethrows its exception.
/// f starts at once; if the returned task is dropped, f still runs to completion.
/// The pool starts a thread when every one is busy (up to options::max_blocking_threads) and an
/// idle one exits after options::blocking_keep_alive. If a thread cannot start (the system has
/// none left), f waits for a running pool thread, in FIFO order; if the pool has none, this
/// throws the std::system_error of the failed start (resource_unavailable_try_again) and f is
/// not run. During shutdown f is not run either: the task reports operation_cancelled.
// g++ 12 destroys a capturing lambda temporary twice when it is written inside a co_await
// expression, whatever the parameter type (a compiler bug): `co_await spawn_blocking([p =
// std::move(p)] {...})` double-frees p there. Name the lambda first (docs/architecture.md).
template <class Fn, class F = std::decay_t<Fn>>
auto spawn_blocking(Fn&& f) -> task<std::invoke_result_t<F&>> {
    using R = std::invoke_result_t<F&>;
    detail::runtime_core* rt = detail::require_runtime("weir::spawn_blocking");
    using cell = detail::blocking_cell<R, F>;
    auto owned = std::make_unique<cell>();  // freed if copying f or starting a thread throws
    owned->rt = rt;
    owned->fn.emplace(std::forward<Fn>(f));
    owned->run = &cell::run_job;
    owned->finish = &cell::finish_job;
    owned->drop = &cell::drop_job;
    cell* c = owned.get();
    if (detail::blocking_submit(rt, c))
        owned.release();  // the pool and the returned task each hold a reference
    else
        cell::drop_job(owned.release());  // shutting down: the pool's reference goes here
    return detail::await_blocking<R, F>(detail::cell_ref<cell>(c));
}

/// Gives way: the calling task goes to the back of its worker's queue and resumes after the
/// tasks that were already runnable. An operation (detail/operation.hpp), not a task: awaiting
/// it costs no coroutine frame; spawn, select and join accept it too.
inline detail::yield_awaiter yield_now() noexcept { return {}; }

}  // namespace weir

// weir::join_handle<T>: what weir::spawn returns. Awaiting it gives the spawned task's value, its
// exception, or weir::operation_cancelled if it was aborted (or the runtime shut down first).
// Dropping it detaches the task, which keeps running; if a detached task ends with an exception
// (other than operation_cancelled), that is reported (weir/unhandled.hpp). The task's state lives
// in one refcounted cell shared by the handle and the runtime.
#pragma once

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "detail/completion.hpp"
#include "detail/frame_pool.hpp"
#include "detail/result.hpp"
#include "detail/runtime_core.hpp"
#include "errors.hpp"
#include "task.hpp"

namespace weir {

namespace detail {

/// A spawned task: scheduling header, the user's task, its result and the join rendezvous.
template <class T>
struct spawn_cell final : task_header, pooled_cell {
    std::atomic<std::uint32_t> refs{2};  // the runtime's and the join_handle's
    runtime_core* rt;
    task<T> body;  // the outermost frame; the header resumes it directly (no root coroutine)
    resume_node start_node{};
    result<T> value;  // moved out of body's promise before done.complete()
    completion done;

    spawn_cell(runtime_core* r, task<T>&& t) : task_header(&vtable), rt(r), body(std::move(t)) {
        id = next_task_id();
    }

    void release() noexcept {
        if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }
    /// Binds body to this header (its context, the start node) before the first run.
    void bind() noexcept {
        auto h = body.handle();
        h.promise().ctx = task_ctx{this, &cancel, nullptr};
        start_node.handle = h;
    }
    void destroy_frames() noexcept { body = task<T>{}; }
    /// Ends a task that never finished (runtime shut down, or refused at spawn).
    void cancel_unfinished() noexcept {
        destroy_frames();
        if (!done.is_done() && value.empty())
            value.set_exception(std::make_exception_ptr(operation_cancelled()));
        done.complete_for_shutdown(rt);  // wakes a waiter on another runtime
    }

    static void finish(task_header* h) noexcept {
        auto* c = static_cast<spawn_cell*>(h);
        c->value = std::move(c->body.handle().promise().value);
        c->destroy_frames();
        // Only the runtime's reference left: the join_handle was dropped before the task
        // finished, and nobody will see an exception it ended with, so it is reported. Decided
        // before complete(): once the value is published a live handle may take it and drop
        // itself at any moment (deciding after the decrement read the value while the handle's
        // thread destroyed it: TSan). A handle dropped between this load and complete() goes
        // unreported; no value is ever read concurrently.
        bool detached = c->refs.load(std::memory_order_acquire) == 1;
        if (detached) {
            // Nobody can wait any more (the handle is gone, and a count of one never rises): no
            // completion to publish and no reference to count down, only the cell to free. Most
            // spawns are detached, so this is most finishes: a lock, an unlock and an atomic
            // decrement fewer each.
            // Reported before the task leaves the runtime's count: a program that sees
            // live_tasks reach 0 has seen the reports of every task in it.
            if (c->value.has_exception())
                report_unhandled(c->rt, unhandled_exception::kind::detached_task, c,
                                 c->value.exception());
            unregister_task(c->rt, c);
            delete c;
            return;
        }
        unregister_task(c->rt, c);
        c->done.complete();
        if (c->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete c;
    }
    static void shutdown(task_header* h) noexcept {
        auto* c = static_cast<spawn_cell*>(h);
        c->cancel_unfinished();
        c->release();
    }
    static constexpr task_vtable vtable{&finish, &shutdown};
};

}  // namespace detail

/// Owner of a spawned task's result. Move-only; dropping it detaches the task.
template <class T>
class join_handle {
public:
    join_handle() noexcept = default;
    explicit join_handle(detail::spawn_cell<T>* c) noexcept : c_(c) {}
    join_handle(join_handle&& o) noexcept : c_(std::exchange(o.c_, nullptr)) {}
    join_handle& operator=(join_handle&& o) noexcept {
        if (this != &o) {
            if (c_) c_->release();
            c_ = std::exchange(o.c_, nullptr);
        }
        return *this;
    }
    join_handle(const join_handle&) = delete;
    join_handle& operator=(const join_handle&) = delete;
    ~join_handle() {
        if (c_) c_->release();
    }

    /// False for a default-constructed or moved-from handle.
    bool valid() const noexcept { return c_ != nullptr; }
    /// True once the task has completed (with a value, an exception, or cancelled).
    bool is_finished() const noexcept { return c_ && c_->done.is_done(); }
    /// Requests cancellation: the task ends at its next await point with operation_cancelled
    /// (a blocked await wakes at once). No effect once the task has finished. Called before the
    /// task first ran, none of the task's code runs.
    void abort() noexcept {
        if (c_) c_->cancel.cancel();
    }
    /// The task's id, unique within the process (0 for an empty handle).
    std::uint64_t id() const noexcept { return c_ ? c_->id : 0; }

    struct awaiter : detail::completion::wait {
        detail::spawn_cell<T>* c;
        explicit awaiter(detail::spawn_cell<T>* cell)
            : detail::completion::wait(cell ? &cell->done : nullptr), c(cell) {
            if (!cell) throw std::logic_error("weir: co_await on an empty weir::join_handle");
        }
        T await_resume() {
            resumed();
            return c->value.take();
        }
    };
    /// Waits for the task; gives its value (moving it out of the handle) or rethrows its exception.
    /// A second await after the value was taken throws std::logic_error.
    awaiter operator co_await() & { return awaiter{c_}; }
    awaiter operator co_await() && { return awaiter{c_}; }

private:
    detail::spawn_cell<T>* c_ = nullptr;
};

namespace detail {
/// A task that awaits h (runtime::block_on of a join_handle).
template <class T>
task<T> await_handle(join_handle<T> h) {
    if constexpr (std::is_void_v<T>)
        co_await h;
    else
        co_return co_await h;
}
}  // namespace detail

}  // namespace weir

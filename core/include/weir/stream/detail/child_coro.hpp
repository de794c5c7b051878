// The persistent child coroutines of a child_pool: a task slot runs one task after another, a pump
// pulls one upstream item after another. Each is created once per stage (not per item) and then
// parks between jobs, so starting a job is a resume, not an allocation.
#pragma once

#include <exception>

#include "../../detail/coro.hpp"
#include "../../detail/promise_base.hpp"
#include "child_pool.hpp"

namespace weir::stream::detail {

/// A coroutine that loops forever between park() and a job; its owner destroys it while parked.
struct child_coro {
    struct promise_type : wd::promise_base {
        child_coro get_return_object() noexcept {
            return {coro::coroutine_handle<promise_type>::from_promise(*this)};
        }
        coro::suspend_always final_suspend() noexcept { return {}; }
        void return_void() noexcept {}
        // Bodies keep every outcome of a job (task_slots' run_slot takes it without a throw);
        // reaching here is a bug in weir.
        void unhandled_exception() noexcept { std::terminate(); }
    };
    coro::coroutine_handle<promise_type> h;
};

/// Where a child waits for its next job (never cancelled: between jobs it holds nothing).
struct park : wd::uncancellable_await, wd::owner_resumed_await {
    bool await_ready() const noexcept { return false; }
    void await_suspend(coro::coroutine_handle<>) const noexcept {}
    void await_resume() const noexcept {}
};

/// Owns a child coroutine frame. prime() runs it up to its first park().
class child_handle {
public:
    child_handle() = default;
    child_handle(child_handle&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    child_handle& operator=(child_handle&& o) noexcept {
        if (this != &o) {
            if (h_) h_.destroy();
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    child_handle(const child_handle&) = delete;
    ~child_handle() {
        if (h_) h_.destroy();
    }
    void prime(child_coro c, child_pool& pool) {
        h_ = c.h;
        h_.promise().ctx = pool.child_ctx();
        pool.start(h_);
    }
    coro::coroutine_handle<> get() const noexcept { return h_; }

private:
    coro::coroutine_handle<child_coro::promise_type> h_{};
};

}  // namespace weir::stream::detail

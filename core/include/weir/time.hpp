// Timers: weir::sleep, weir::sleep_until, weir::timeout and weir::interval. A sleeping task costs
// one entry in the runtime's hierarchical timer wheel (1 ms resolution, O(1) insert and cancel;
// see docs/architecture.md) and no thread. Deadlines are rounded up to the next millisecond, so a
// timer never fires early. A cancelled sleep leaves the wheel at once.
#pragma once

#include <chrono>
#include <stdexcept>

#include "detail/leaf_waiter.hpp"
#include "detail/operation.hpp"
#include "detail/runtime_core.hpp"
#include "errors.hpp"
#include "select.hpp"
#include "task.hpp"

namespace weir {

/// The clock of every weir deadline.
using clock = std::chrono::steady_clock;

namespace detail {

struct sleep_awaiter : leaf_waiter {
    struct entry_t : timer_entry {
        sleep_awaiter* self;
    } entry;
    clock::time_point when;
    runtime_core* rt = nullptr;
    bool waiting = false;

    explicit sleep_awaiter(clock::time_point tp) noexcept : when(tp) { entry.self = this; }
    sleep_awaiter(const sleep_awaiter&) = delete;
    ~sleep_awaiter() {
        if (waiting) timer_remove(rt, &entry);
        disarm();
    }

    bool await_ready() const noexcept { return when <= clock::now(); }
    template <class P>
    bool await_suspend(coro::coroutine_handle<P> h) {
        prepare(h, "a timer");
        rt = current_runtime();
        if (!rt) throw std::logic_error("weir::sleep awaited outside a weir::runtime");
        entry.deadline = deadline_tick(rt, when);
        entry.task = header->id;
        entry.fire = &on_fire;
        if (!timer_insert(rt, &entry)) return false;  // already due
        waiting = true;
        arm(&on_cancel);
        return true;
    }
    void await_resume() {
        waiting = false;
        finish();
    }
    /// As a task, for the combinators that take one (select, join, spawn, ...).
    task<void> into_task() && { return run(when); }
    static task<void> run(clock::time_point tp) { co_await sleep_awaiter{tp}; }
    static void on_fire(timer_entry* e) noexcept { static_cast<entry_t*>(e)->self->wake(); }
    static void on_cancel(cancel_callback* cb) noexcept {
        auto* self = static_cast<sleep_awaiter*>(cb);
        if (timer_remove(self->rt, &self->entry)) {
            self->cancelled = true;
            self->wake();
        }
    }
};

/// Adds d to now without overflowing (durations beyond ~100 years are treated as forever).
template <class Rep, class Period>
clock::time_point deadline_after(std::chrono::duration<Rep, Period> d) noexcept {
    using namespace std::chrono;
    constexpr auto max_wait = hours(24 * 365 * 100);
    if (d <= d.zero()) return clock::now();
    // Compare in a wide floating type: converting max_wait to a narrow Rep could overflow.
    if (duration<long double, std::ratio<1>>(d) >= duration<long double, std::ratio<1>>(max_wait))
        return clock::now() + max_wait;
    return clock::now() + ceil<clock::duration>(d);
}

}  // namespace detail

/// Completes once tp has passed.
/// An operation (detail/operation.hpp): awaiting it costs no coroutine frame, only the timer entry
/// inside the awaiting frame; select, join, spawn and timeout take it as a task.
inline detail::sleep_awaiter sleep_until(clock::time_point tp) noexcept {
    return detail::sleep_awaiter{tp};
}

/// Completes after at least d (rounded up to the timer wheel's 1 ms resolution). The deadline is
/// taken when sleep is called. An operation, like sleep_until.
template <class Rep, class Period>
detail::sleep_awaiter sleep(std::chrono::duration<Rep, Period> d) noexcept {
    return detail::sleep_awaiter{detail::deadline_after(d)};
}

/// Runs t with a deadline: gives t's value, or cancels t (its cleanup runs) and throws
/// weir::timed_out if d passes first. A task that still finishes with a value once cancelled
/// gives that value, not timed_out: an I/O call the kernel had completed when the deadline
/// passed (a connect, a write) has had its effect, and saying it timed out would be false.
template <class T, class Rep, class Period>
task<T> timeout(std::chrono::duration<Rep, Period> d, task<T> t) {
    if (!t.valid()) throw std::invalid_argument("weir::timeout: the task is empty");
    detail::tuple_group<T, void> g(detail::group_mode::race, std::move(t), sleep(d).into_task());
    co_await g.wait();
    auto& r = std::get<0>(g.results);
    if (!r.has_value()) {
        if (g.winner == 1) throw timed_out();
        g.rethrow_if_failed();
    }
    co_return r.take();
}
/// timeout for an operation (such as `rx.recv()`), run as a task.
template <detail::operation A, class Rep, class Period>
auto timeout(std::chrono::duration<Rep, Period> d, A&& op) {
    return timeout(d, detail::into_task(std::forward<A>(op)));
}

/// A periodic timer: tick() completes at start, start + period, start + 2*period, ... The first
/// tick completes at once. A tick awaited late completes at once, and the schedule keeps its
/// original phase (missed ticks are delivered back to back, as tokio's default "burst").
class interval {
public:
    template <class Rep, class Period>
    explicit interval(std::chrono::duration<Rep, Period> period)
        : period_(std::chrono::ceil<clock::duration>(period)), next_(clock::now()) {
        if (period_ <= clock::duration::zero())
            throw std::invalid_argument("weir::interval: the period must be positive");
    }
    /// Completes at the next scheduled instant. The interval must outlive the returned task.
    task<void> tick() {
        clock::time_point due = next_;
        next_ += period_;
        co_await sleep_until(due);
    }
    clock::duration period() const noexcept { return period_; }

private:
    clock::duration period_;
    clock::time_point next_;
};

}  // namespace weir

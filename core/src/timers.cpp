// The runtime's side of timers: the hierarchical wheel (timer_wheel.hpp, explained in
// docs/architecture.md) behind one spin lock, and the cached next deadline that makes "is anything
// due?" one atomic load for every maintenance pass and every park. Who fires the timers (the
// worker parked with the timer role, or a busy worker's maintenance pass) is parking.cpp's part.
#include <algorithm>
#include <chrono>
#include <cstdint>

#include "scheduler.hpp"

namespace weir::detail {

std::uint64_t runtime_core::now_tick() const noexcept {
    auto d = std::chrono::steady_clock::now() - start_;
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

std::uint64_t runtime_core::tick_of(std::chrono::steady_clock::time_point tp) const noexcept {
    if (tp <= start_) return 0;
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(tp - start_).count();
    return static_cast<std::uint64_t>(ms);
}

bool runtime_core::timer_insert(timer_entry* e) noexcept {
    bool earlier;
    {
        std::lock_guard<spin_lock> lk(timer_lock_);
        std::uint64_t now = now_tick();
        if (e->deadline <= now) return false;  // already due
        if (wheel_.empty()) {
            // Nothing pending: move the wheel's clock to now, so the new timer is placed by its
            // real distance (fewer cascades).
            intrusive_list<timer_entry> none;
            wheel_.advance(now, none);
        }
        if (!wheel_.insert(e)) return false;
        earlier = e->deadline < next_deadline_.load(std::memory_order_relaxed);
        if (earlier) next_deadline_.store(e->deadline, std::memory_order_seq_cst);
    }
    if (earlier) {
        // Pairs with the owner's seq_cst claim of the timer role before it reads the deadline:
        // either it sees the new deadline, or we see it as owner and cut its sleep short.
        std::atomic_thread_fence(std::memory_order_seq_cst);
        if (timer_owner_.load(std::memory_order_seq_cst) >= 0) driver_->unpark();
    }
    return true;
}

bool runtime_core::timer_remove(timer_entry* e) noexcept {
    std::lock_guard<spin_lock> lk(timer_lock_);
    if (!e->in_wheel) return false;
    wheel_.remove(e);
    // The next deadline moves on past a removed timer (a sleep cancelled, a timeout whose
    // operation finished first), to the next timer or to none. Left at the removed one, the
    // event-loop build kept a host timer armed for it, and that kept Node running until a
    // cancelled rt.sleep(100000) would have ended; natively the timer owner woke for nothing.
    // Every time, not only when the removed deadline was the stored one: once a pass has run,
    // the stored value is a slot's start (a cascade point), earlier than any deadline in it.
    // A few bit scans (next_expiration), under the lock already held; stored only when it
    // changed, since every worker reads the word (a timeout around each I/O removes its timer).
    // The value never rises above a pending timer, so no wake-up is lost; if it falls, the
    // owner wakes early at most.
    auto next = wheel_.next_expiration();
    std::uint64_t nd = next ? *next : UINT64_MAX;
    if (nd != next_deadline_.load(std::memory_order_relaxed))
        next_deadline_.store(nd, std::memory_order_seq_cst);
    return true;
}

void runtime_core::process_timers() noexcept {
    std::uint64_t nd = next_deadline_.load(std::memory_order_acquire);
    if (nd == UINT64_MAX) return;
    std::uint64_t now = now_tick();
    if (nd > now) return;
    // A pass hands on no more fired timers than this worker's queue has room for. The tasks
    // they wake are queued here; past the queue's capacity they would overflow to the global
    // queue, behind everything queued there: a spawn loop of 100,000 tasks, each setting a
    // timer when it first runs, kept every woken task waiting for most of the backlog's first
    // polls (timers_100k with 1 worker: lateness 29 ms on timers of 1-10 ms). The rest stay
    // due in the wheel, in order, for the next pass (this worker's, within event_interval runs,
    // or the timer owner's: it sleeps at most lifo_watch_interval while any worker runs, and
    // takes them before it parks), so a timer that fell due waits behind at most a queue's
    // worth of tasks, and the global queue's backlog waits instead: its tasks have not run yet
    // and nothing of theirs is late. timer_fire_floor keeps timers going when the queue is
    // full: their overflow then moves half the queue out, and the next pass finds room.
    std::size_t take = SIZE_MAX;
    if (worker* w = current_worker())
        take = std::max<std::size_t>(w->queue.remaining(), timer_fire_floor);
    intrusive_list<timer_entry> fired;
    {
        std::lock_guard<spin_lock> lk(timer_lock_);
        wheel_.advance(now);
        wheel_.take_due(take, fired);
        auto next = wheel_.next_expiration();
        next_deadline_.store(next ? *next : UINT64_MAX, std::memory_order_seq_cst);
    }
    bool traced = tracing();
    while (timer_entry* e = fired.pop_front()) {
        if (traced) trace_mark(trace::kind::timer_fired, e->task);
        e->fire(e);  // may end e's lifetime
    }
}

}  // namespace weir::detail

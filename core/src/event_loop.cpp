// The scheduler's event-loop mode, for hosts whose thread must keep returning to its own event
// loop (WebAssembly without threads: backends/wasm_event_loop). The runtime has one executor,
// worker 0, and no thread: the driver calls run_slice from the host's event loop, and a slice
// runs ready tasks and due timers until nothing is ready or the slice budget
// (runtime::options::slice_budget, 8 ms by default) is spent, then returns what is left (ready
// work: the driver schedules the next slice as a macrotask; else the next timer: the driver arms
// one host timer). Wakes from outside a slice (a promise settling in JavaScript) reach the
// driver through notify_parked, which asks for a slice. docs/architecture.md explains it with
// the rest of the scheduler; block_on's form (drive_on_event_loop) runs slices itself and sleeps
// until the next timer in between.
#include <stdexcept>

#include "scheduler.hpp"

namespace weir::detail {

slice_host::outcome runtime_core::run_slice() noexcept {
    worker& w = *workers_[0];
    thread_state saved = this_thread;
    this_thread.runtime = this;
    this_thread.worker = &w;
    bool was_driving = driving_;
    driving_ = true;
    std::int64_t start = now_ns();
    w.busy_since_ns.store(start, std::memory_order_relaxed);
    if (tracing()) trace_mark(trace::kind::unpark, 0);

    blocking_.run_queued();  // spawn_blocking jobs queued before this slice
    process_timers();
    driver_->poll();
    // The budget: a read of the clock is a call out to the host (performance.now), some tens of
    // ns up to a few hundred, as much as a whole short run (a yield costs about 40 ns natively).
    // So the clock is read after every run while runs are long, and after every 32nd while they
    // are short (under 10 us on average since the last read): a slice then overruns its budget
    // by at most 32 short runs (320 us, 4% of the default 8 ms), or one long one. With 1 us as
    // the bound, a task that spends its cooperative budget in ~5 us (stream_pipeline) paid a
    // clock read per run: 2-3% of its profile. A run that knows it may have been long (a job of
    // JavaScript calls, this_thread.long_run) has the clock read after it: 32 short runs and then
    // 32 jobs of 20 ms each held the host for 640 ms before.
    constexpr std::int64_t short_run_ns = 10'000;
    constexpr std::uint32_t short_stretch = 32;
    std::int64_t end = start + slice_budget_ns_;
    std::int64_t last_read = start;
    std::uint32_t runs = 0, next_read = 1;
    for (;;) {
        ++w.tick;
        if (w.tick % event_interval == 0) process_timers();
        task_header* t = next_task(w);
        if (!t) {
            process_timers();  // timers that fell due while the slice ran
            t = next_task(w);
            if (!t) break;
        }
        if (watch_threshold_ns_ == 0) [[likely]] {
            run_task(w, t);
        } else {
            std::uint64_t id = t->id;
            const char* name = t->name;
            const char* file = t->file;
            unsigned line = t->line;
            std::int64_t t0 = now_ns();
            run_task(w, t);  // may free t
            watch_after_run(id, name, file, line, now_ns() - t0);
        }
        if (++runs < next_read && !this_thread.long_run) continue;
        this_thread.long_run = false;
        std::int64_t now = now_ns();
        if (now >= end) break;
        next_read =
            now - last_read < short_run_ns * static_cast<std::int64_t>(runs) ? short_stretch : 1;
        last_read = now;
        runs = 0;
    }

    if (tracing()) trace_mark(trace::kind::park, 0);
    w.parks.add();
    std::int64_t now = now_ns();
    w.busy_ns.add(static_cast<std::uint64_t>(now - start));
    w.busy_since_ns.store(-1, std::memory_order_relaxed);
    if (watch_threshold_ns_ != 0) {
        std::lock_guard<std::mutex> g(watcher_lock_);
        if (watcher_) watcher_->deliver_posted();
    }
    driving_ = was_driving;
    this_thread = saved;

    outcome o;
    o.ready = w.lifo || !w.queue.empty() || !inject_.is_empty() || blocking_.has_queued();
    std::uint64_t nd = next_deadline_.load(std::memory_order_acquire);
    if (nd != UINT64_MAX) {
        auto due = start_ + std::chrono::milliseconds(nd);
        auto left = due - std::chrono::steady_clock::now();
        o.next_timer_ns = std::max<std::int64_t>(
            0, std::chrono::duration_cast<std::chrono::nanoseconds>(left).count());
        // A timer due now is ready work: one a pass left for the next (timers.cpp), or one that
        // fell due as the slice ended. The next slice comes as a macrotask, not a setTimeout(0)
        // that a browser may clamp to 4 ms.
        if (o.next_timer_ns == 0) o.ready = true;
    }
    return o;
}

void runtime_core::watch_after_run(std::uint64_t id, const char* name, const char* file,
                                   unsigned line, std::int64_t ran_ns) noexcept {
    if (ran_ns < watch_threshold_ns_) return;
    try {
        std::lock_guard<std::mutex> g(watcher_lock_);
        if (watcher_) watcher_->report_run(id, name, file, line, ran_ns);
    } catch (...) {
        // Out of memory for the report: the task still ran.
    }
}

void runtime_core::drive_on_event_loop(task_header* t, std::atomic<bool>& scheduled) {
    struct restore {
        runtime_core* rt;
        bool was;
        ~restore() {
            rt->driving_ = was;
            // What is left (spawned tasks, timers) goes on in slices from the event loop.
            rt->driver_->unpark();
        }
    } r{this, driving_};
    driving_ = true;
    // One run of t (when it is scheduled), then one slice, in turn: a t that keeps yielding
    // must not starve the tasks it waits for, nor the timers.
    while (!t->completed()) {
        if (scheduled.exchange(false, std::memory_order_acq_rel)) {
            if (tracing()) {  // on the "other threads" track, as block_on's runs are elsewhere
                trace_event(trace::kind::poll_begin, t->id);
                std::uint64_t id = t->id;
                t->run();
                trace_event(trace::kind::poll_end, id);
            } else {
                t->run();
            }
            if (t->completed()) break;
        }
        outcome o = run_slice();
        if (t->completed() || scheduled.load(std::memory_order_acquire) || o.ready) continue;
        if (o.next_timer_ns < 0)
            throw std::logic_error(
                "weir::runtime::block_on (event-loop build): the task waits for something that "
                "only the host's event loop can deliver (no task is ready and no timer is "
                "pending), and block_on holds that loop; start the task with weir::wasm::start "
                "and take its result in the completion callback instead");
        driver_->park(o.next_timer_ns);  // sleeps until the timer (a wake cannot come meanwhile)
    }
}

}  // namespace weir::detail

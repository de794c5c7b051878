// What the scheduler tells about itself, on request: runtime::metrics() (each worker's
// counters, which only that worker writes, read with relaxed loads), the registry of live
// tasks (counted, described by id for the stall watcher, dumped as text: each shard read under
// its lock, so that no task is freed meanwhile), lost-waker reports, and starting the stall
// watcher (runtime::watch). Nothing here runs per task, so it lives apart from the worker loop
// (scheduler.cpp).
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "scheduler.hpp"
#include "task_label.hpp"

namespace weir::detail {

runtime_metrics runtime_core::metrics() noexcept {
    runtime_metrics m;
    m.workers = workers_.size();
    m.global_queue_depth = inject_.len();
    m.live_tasks = live_tasks();
    std::int64_t now = now_ns();
    for (auto& w : workers_) {
        worker_metrics x;
        x.polls = w->polls.get();
        x.steals = w->steals.get();
        x.steal_operations = w->steal_ops.get();
        x.overflows = w->overflows.get();
        x.parks = w->parks.get();
        x.spawned = w->spawned.get();
        x.lifo_rescues = w->lifo_rescues.get();
        // The queue's indices are atomics; the LIFO slot is the worker's own, so it is not
        // counted from here (it holds at most one task).
        x.local_queue_depth = w->queue.len();
        std::uint64_t busy = w->busy_ns.get();
        std::int64_t since = w->busy_since_ns.load(std::memory_order_relaxed);
        if (since >= 0 && now > since) busy += static_cast<std::uint64_t>(now - since);
        x.busy = std::chrono::nanoseconds(busy);
        m.per_worker.push_back(x);
    }
    m.remote_spawned = remote_spawned_.load(std::memory_order_relaxed);
    m.lost_wakers = lost_wakers_.load(std::memory_order_relaxed);
    m.unhandled_exceptions = unhandled_.load(std::memory_order_relaxed);
    auto [blocking_threads, blocking_queued] = blocking_.counts();
    m.blocking_threads = blocking_threads;
    m.blocking_queue_depth = blocking_queued;
    m.steals_unpaid = steals_unpaid_.load(std::memory_order_relaxed);
    return m;
}

void runtime_core::lost_waker(task_header* t, const char* what) noexcept {
    lost_wakers_.fetch_add(1, std::memory_order_relaxed);
    if (tracing())
        trace_event(trace::kind::lost_waker, t->id, reinterpret_cast<std::uintptr_t>(what));
    try {
        std::lock_guard<std::mutex> g(watcher_lock_);
        if (!watcher_) return;
        warning x;
        x.what = warning::kind::lost_waker;
        x.task = t->id;
        x.name = t->name ? t->name : "";
        x.location = spawn_location(t->file, t->line);
        worker* w = current_worker();
        x.worker = w ? w->index : 0;
        x.message = task_label(t->id, x.name, x.location) + " lost its waker: " + what +
                    " it waited on was destroyed; it resumes with weir::wait_abandoned";
        watcher_->post(std::move(x));
    } catch (...) {
        // Out of memory for the report: the count and the trace event still say it.
    }
}

bool runtime_core::running_label(std::size_t i, std::uint64_t id, std::string& name,
                                 std::string& location) const {
    const worker& w = *workers_[i];
    if (w.label_id.load(std::memory_order_acquire) != id) return false;
    const char* n = w.label_name.load(std::memory_order_relaxed);
    const char* f = w.label_file.load(std::memory_order_relaxed);
    unsigned line = w.label_line.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (w.label_id.load(std::memory_order_relaxed) != id) return false;  // changed meanwhile
    name = n ? n : "";
    location = spawn_location(f, line);
    return true;
}

bool runtime_core::describe_task(std::uint64_t id, std::string& name, std::string& location) {
    // A task in its first run is not in the registry: the worker running it says who it is.
    for (std::size_t i = 0; i < workers_.size(); ++i)
        if (running_label(i, id, name, location)) return true;
    for (auto& s : registry_) {
        std::lock_guard<spin_lock> lk(s.m);
        for (task_header* t = s.tasks.front(); t; t = s.tasks.next(t)) {
            if (t->id != id) continue;
            name = t->name ? t->name : "";
            location = spawn_location(t->file, t->line);
            return true;
        }
    }
    return false;
}

std::string runtime_core::dump_tasks() {
    std::vector<std::uint64_t> running(workers_.size());
    for (std::size_t i = 0; i < workers_.size(); ++i) running[i] = running_on(i);
    std::vector<bool> listed(workers_.size(), false);
    std::string out;
    std::size_t n = 0;
    std::uint64_t gone = finished_untracked_count(), tracked = 0;
    for (auto& s : registry_) {
        std::lock_guard<spin_lock> lk(s.m);  // no task of this shard can be freed meanwhile
        tracked += s.tracked;
        for (task_header* t = s.tasks.front(); t; t = s.tasks.next(t)) {
            ++n;
            out += task_label(t->id, t->name ? t->name : "", spawn_location(t->file, t->line));
            out += ": ";
            auto w = std::find(running.begin(), running.end(), t->id);
            if (w != running.end()) {
                listed[static_cast<std::size_t>(w - running.begin())] = true;
                out += "running on worker " + std::to_string(w - running.begin());
            } else if (t->is_running() || t->is_scheduled()) {
                out += "runnable, waiting for a worker";
            } else {
                const char* what = t->waits_on.load(std::memory_order_relaxed);
                out += std::string("waiting on ") + (what ? what : "something not weir's");
            }
            out += "\n";
        }
    }
    // Tasks in their first run, which the registry does not hold yet.
    std::size_t first_runs = 0;
    for (std::size_t i = 0; i < workers_.size(); ++i) {
        std::string name, location;
        if (listed[i] || !running[i] || !running_label(i, running[i], name, location)) continue;
        ++n;
        ++first_runs;
        out += task_label(running[i], name, location) + ": running on worker " + std::to_string(i) +
               "\n";
    }
    // The rest have not run yet: they wait in the queues, which cannot be walked while workers
    // take from them, so they are counted (live_tasks less the registry and the first runs).
    std::size_t untracked = untracked_live(gone, tracked);
    if (untracked > first_runs) {
        std::size_t queued = untracked - first_runs;
        n += queued;
        out += std::to_string(queued) + (queued == 1 ? " task" : " tasks") +
               " spawned and not started yet: runnable, waiting for a worker\n";
    }
    return std::to_string(n) + " live task" + (n == 1 ? "" : "s") + "\n" + out;
}

void runtime_core::watch(watch_options o) {
    std::lock_guard<std::mutex> g(watcher_lock_);
    watcher_.reset();
    watch_threshold_ns_ = 0;
    if (!o.on_warning) return;
    if (event_loop_)  // no thread to sample with: the slices check each run's length
        watch_threshold_ns_ =
            std::chrono::duration_cast<std::chrono::nanoseconds>(o.stall_threshold).count();
    watcher_ = std::make_unique<watcher>(this, std::move(o), !event_loop_);
}

// Live tasks are those in the registry plus those spawned, never taken in, and not finished.
// Every count only grows, and a task moves from spawned to taken in (or to finished) once. So
// the reads go against that flow: the finishes first, then each shard's list with its count of
// tasks taken in (under one lock: a task moving in meanwhile is in both or neither), then the
// spawns. A task that moves on between two reads is counted live, never lost. (The workers'
// counters are relaxed stores; on a weakly ordered CPU a count may still lag by a task or two.)
std::uint64_t runtime_core::finished_untracked_count() const noexcept {
    std::uint64_t n = finished_untracked_.load(std::memory_order_relaxed);
    for (auto& w : workers_) n += w->finished_untracked.get();
    return n;
}

std::size_t runtime_core::untracked_live(std::uint64_t gone, std::uint64_t tracked) const noexcept {
    std::atomic_thread_fence(std::memory_order_acquire);
    std::uint64_t spawned = remote_spawned_.load(std::memory_order_relaxed);
    for (auto& w : workers_) spawned += w->spawned.get();
    gone += tracked;
    return spawned > gone ? static_cast<std::size_t>(spawned - gone) : 0;
}

std::size_t runtime_core::live_tasks() noexcept {
    std::uint64_t gone = finished_untracked_count(), tracked = 0;
    std::size_t n = 0;
    for (auto& s : registry_) {
        std::lock_guard<spin_lock> lk(s.m);
        n += s.tasks.size();
        tracked += s.tracked;
    }
    return n + untracked_live(gone, tracked);
}

}  // namespace weir::detail

// weir::runtime_metrics: counters of what a runtime's scheduler has done, after tokio's
// RuntimeMetrics. Always on: each counter is written only by its worker (a plain increment, no
// atomic read-modify-write, no shared cache line), and runtime::metrics() reads a snapshot from
// any thread. Counts are totals since the runtime started; depths are sampled when read.
// Per-task figures (polls, busy, scheduled and idle time) come from a trace: trace::summarize.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace weir {

/// One worker's counters.
struct worker_metrics {
    /// Task runs started by this worker (one run resumes every ready coroutine of a task).
    std::uint64_t polls = 0;
    /// Tasks this worker took from other workers' queues.
    std::uint64_t steals = 0;
    /// Successful steal operations (each takes half of the victim's queue: one or more tasks).
    std::uint64_t steal_operations = 0;
    /// Times this worker's local queue was full and it moved half of it to the global queue.
    std::uint64_t overflows = 0;
    /// Times this worker went to sleep for lack of work.
    std::uint64_t parks = 0;
    /// Tasks spawned by tasks running on this worker.
    std::uint64_t spawned = 0;
    /// Tasks this worker, parked with the timer role, took from the LIFO slot of a worker that
    /// stayed inside one poll for too long (docs/architecture.md, "Parking and timers").
    std::uint64_t lifo_rescues = 0;
    /// Tasks waiting in this worker's local queue when read (not counting its LIFO slot, the
    /// one task it runs next, which only the worker itself may read).
    std::uint64_t local_queue_depth = 0;
    /// Time this worker spent not parked (running tasks or looking for them).
    std::chrono::nanoseconds busy{0};
};

/// A snapshot of a runtime's counters (runtime::metrics()).
struct runtime_metrics {
    std::size_t workers = 0;
    /// Tasks waiting in the global (injection) queue when read.
    std::uint64_t global_queue_depth = 0;
    /// Tasks spawned and not yet finished (running, runnable or waiting). A detached task that
    /// failed counts until its report (on_unhandled_exception) has returned.
    std::uint64_t live_tasks = 0;
    /// Tasks spawned from threads that are not workers (runtime::spawn from main, ...).
    std::uint64_t remote_spawned = 0;
    /// Tasks that lost their waker: they waited on a weir::mutex, weir::semaphore or
    /// weir::notify that was destroyed meanwhile (and resumed with weir::wait_abandoned).
    std::uint64_t lost_wakers = 0;
    /// Exceptions nobody would have seen (weir/unhandled.hpp): a detached task's, a select
    /// loser's, a join's after the first. Each also went to options::on_unhandled_exception.
    std::uint64_t unhandled_exceptions = 0;
    /// Threads of the blocking pool (spawn_blocking) when read, running a job or idle. An idle
    /// one exits after runtime::options::blocking_keep_alive. Always 0 in the event-loop build.
    std::size_t blocking_threads = 0;
    /// spawn_blocking jobs waiting for a blocking-pool thread when read.
    std::uint64_t blocking_queue_depth = 0;
    /// True while the last judged steal did not pay: the stolen tasks ran for less time, in all,
    /// than moving them cost. Meanwhile a worker's push to its own queue wakes no parked worker;
    /// work still spreads through searching workers and the parked timer owner's watch
    /// (docs/architecture.md, "Steals are judged by what they bought"). Always false with one
    /// worker.
    bool steals_unpaid = false;
    std::vector<worker_metrics> per_worker;
};

}  // namespace weir

// weir::trace: what the scheduler did, as a stream of timestamped events. Tracing is off by
// default; runtime::start_tracing() turns it on, and from then on every worker records into its
// own fixed-size ring (no allocation, no lock, no syscall on the hot path; a full ring drops the
// event and counts it). runtime::take_trace() drains the rings into a trace::log, which
// to_chrome_json() turns into a Chrome trace-event file that ui.perfetto.dev or chrome://tracing
// open. While tracing is off, each recording site costs one relaxed load of a flag.
//
// docs/observability.md shows a trace of the seed stream example and what each track means.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "metrics.hpp"

namespace weir::trace {

/// What happened. The fields of event used by each kind are listed here; unused ones are 0.
enum class kind : std::uint8_t {
    /// A task was spawned. task: its id; a: the id of the task that spawned it (0: from outside
    /// a task); name: its name index (0: unnamed); location: index of "file:line" of the spawn.
    spawn,
    /// A worker starts running task (one run of its ready coroutines). a: 1 if the task woke
    /// itself (it yielded, or spent its budget, in its previous run: a self-wake). b: 1 + the
    /// number of tasks queued on the worker, on the polls that read the clock; 0 on the others
    /// (see "sparse stamping" in docs/observability.md).
    poll_begin,
    /// The run of task ends: written when the trace is taken, at the next thing the worker
    /// records between runs (a poll, a park, a steal, a timer firing). a: 1 if the task
    /// completed in this run.
    poll_end,
    /// task was made runnable. a: the worker that woke it + 1 (0: a thread that is not a worker of
    /// this runtime: a timer owner outside a worker, the block_on thread, an I/O helper).
    wake,
    /// worker stole b tasks from worker a (task: the first of them, the one it runs next).
    steal,
    /// worker found nothing to run and sleeps.
    park,
    /// worker woke up.
    unpark,
    /// A timer of task fired.
    timer_fired,
    /// An I/O operation of task completed. a: its result (bytes, or a negative errno value).
    io_completed,
    /// A task finished (task: its id). Recorded by the worker that ran its last poll.
    finish,
    /// task lost its waker: what it waited on (name: "a notify", "a mutex", "semaphore
    /// permits") was destroyed while it waited. It resumes with weir::wait_abandoned.
    lost_waker,
    /// An item went into a named stream stage (stream::stage): the stage pulled it from its
    /// upstream. task: the task running the pipeline; name: the stage; b: items in so far.
    stage_in,
    /// An item came out of a named stream stage. task, name as stage_in; b: items out so far.
    stage_out,
    /// The number of tasks in flight in buffered, buffer_unordered, spawn_buffered or
    /// for_each_concurrent changed. name: the stage it is in (stream::stage), or the adapter's
    /// own name; b: tasks in flight (started and not yet handed out).
    stage_in_flight,
    /// The number of items queued in an mpsc channel changed (a send or a receive). name: the
    /// channel's name (mpsc::channel(capacity, name); "mpsc" when unnamed); b: items queued.
    channel_depth,
};

/// One event. 48 bytes; names are indices into log::names so that an event is plain data.
struct event {
    std::uint64_t ts_ns = 0;     // nanoseconds since the runtime started (steady clock)
    std::uint64_t task = 0;      // task id (join_handle::id()), 0 when none
    std::uint64_t a = 0;         // kind-specific, see kind
    std::uint64_t b = 0;         // kind-specific, see kind
    std::uint32_t name = 0;      // index into log::names (0: none)
    std::uint32_t location = 0;  // index into log::names of "file:line" (0: none)
    std::int32_t worker = -1;    // the worker that recorded it, -1 for other threads
    kind k = kind::spawn;
};

/// What runtime::take_trace() returns: the events recorded since the previous take (each
/// worker's in order; across workers ordered by timestamp), the strings they refer to, and how
/// many events were dropped because a ring was full.
struct log {
    std::vector<event> events;
    std::vector<std::string> names;  // names[0] is ""
    std::uint64_t dropped = 0;
    std::size_t workers = 0;  // worker count of the runtime (tracks 0 .. workers-1)
};

/// What one task did in a log (trace::summarize): tokio-console's per-task figures.
struct task_summary {
    std::uint64_t task = 0;
    std::uint32_t name = 0;      // index into log::names (0: unnamed or spawned before the log)
    std::uint32_t location = 0;  // index into log::names of "file:line" (0: unknown)
    std::uint64_t polls = 0;
    std::uint64_t busy_ns = 0;       // time being run (poll_begin to poll_end)
    std::uint64_t scheduled_ns = 0;  // time runnable but waiting for a worker (wake to run)
    std::uint64_t idle_ns = 0;       // the rest of its life in the log: waiting for something
    std::uint64_t wakes = 0;         // times something else woke it (after its first run)
    std::uint64_t self_wakes = 0;    // times it made itself runnable (yield, spent budget)
    bool lost_waker = false;         // a lost_waker event names it
    bool finished = false;           // its finish is in the log

    /// tokio-console's self-wake percentage, as a fraction: self-wakes among all its wake-ups
    /// (0 when it was never woken).
    double self_wake_ratio() const noexcept {
        std::uint64_t all = wakes + self_wakes;
        return all ? double(self_wakes) / double(all) : 0.0;
    }
};

/// A problem seen in a log, as tokio-console's warnings (trace::warnings).
struct task_warning {
    enum class kind {
        self_wakes,  // the task woke itself for more than the limit's share of its wake-ups
        lost_waker,  // the task lost its waker (kind::lost_waker)
    };
    kind what = kind::self_wakes;
    std::uint64_t task = 0;
    std::string message;  // one line for people, with the task's name and spawn location
};
struct warning_limits {
    /// tokio-console's default: a task that wakes itself more than half of the time.
    double self_wake_ratio = 0.5;
    /// Tasks woken fewer times than this are not judged on their self-wakes.
    std::uint64_t min_wakes = 10;
};
/// The warnings a log shows, per task in order of first appearance.
std::vector<task_warning> warnings(const log& l, const warning_limits& limits = {});

/// Per-task figures from a log, in order of first appearance. A task's life in the log runs from
/// its spawn (or first event) to its finish (or the log's last event). Events recorded inside a
/// poll carry that poll's start time (see event), so a wake-up's time is the start of the run
/// that woke the task: scheduled time is measured from there.
std::vector<task_summary> summarize(const log& l);

/// A tracing session for tools (the `weir` command): while one is installed, every runtime made
/// in this process traces itself from its start, its rings emptied by a thread of its own every
/// few milliseconds (runtime::collect_trace), and when it is destroyed hands its whole log,
/// decoded then, and its last metrics to collect.
/// workers, if not 0, replaces the worker count of runtimes that ask for the default
/// (options::worker_threads == 0). Install before the runtimes are made, remove after.
struct session {
    std::function<void(log&&, const runtime_metrics&)> collect;
    std::size_t workers = 0;
    /// Called by the draining thread after each drain with the words recorded so far (about one
    /// per poll, wake-up or finish, four per other event), for a progress display.
    std::function<void(std::uint64_t words)> progress;
};
void install_session(session s);
void remove_session();

/// Appends the events of `more` to `into`, mapping its name indices (logs taken one after the
/// other from the same runtime).
void append(log& into, log&& more);

/// The log as Chrome trace-event JSON (the "JSON object format": {"traceEvents": [...]}): one
/// track (thread) per worker and one for other threads; each run of a task is a complete ("X")
/// slice named after the task; wake-ups and steals are flow arrows ("s"/"f") from where they
/// happened to the slice they led to; parks are slices on the worker's track; the number of
/// runnable tasks per worker is a counter ("C"). Opens in ui.perfetto.dev and chrome://tracing.
std::string to_chrome_json(const log& l);

}  // namespace weir::trace

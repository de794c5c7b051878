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
    /// A worker starts running task (one run of its ready coroutines).
    poll_begin,
    /// The run of task ends. a: 1 if the task completed in this run.
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
    bool finished = false;           // its finish is in the log
};

/// Per-task figures from a log, in order of first appearance. A task's life in the log runs from
/// its spawn (or first event) to its finish (or the log's last event). Events recorded inside a
/// poll carry that poll's start time (see event), so a wake-up's time is the start of the run
/// that woke the task: scheduled time is measured from there.
std::vector<task_summary> summarize(const log& l);

/// A tracing session for tools (the `weir` command): while one is installed, every runtime made
/// in this process traces itself from its start, drained by a thread of its own every few
/// milliseconds, and when it is destroyed hands its whole log and its last metrics to collect.
/// workers, if not 0, replaces the worker count of runtimes that ask for the default
/// (options::worker_threads == 0). Install before the runtimes are made, remove after.
struct session {
    std::function<void(log&&, const runtime_metrics&)> collect;
    std::size_t workers = 0;
    /// Called by the draining thread after each drain with the events taken so far (progress).
    std::function<void(std::uint64_t events)> progress;
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

// runtime::watch: a thread that looks at the workers every few milliseconds and reports, as
// tokio-console's warnings do, a task that has run for longer than a threshold without yielding
// (a blocking call, a long computation: it holds its worker and starves the tasks queued behind
// it). The report comes while the task is still running, with its name and spawn location.
// It also reports lost wakers: a task whose mutex, semaphore or notify was destroyed while it
// waited on it, found by the destructor and passed to the watcher's thread.
// Cost on the workers: none beyond the id of the running task, which they store anyway.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace weir {

/// Something the watcher saw.
struct warning {
    enum class kind {
        stalled_task,  // a task ran longer than the threshold without yielding
        lost_waker,    // a task's waker was destroyed while it waited (weir::wait_abandoned)
    };
    kind what = kind::stalled_task;
    std::uint64_t task = 0;
    std::string name;        // "" when the task has none
    std::string location;    // "file:line" of its spawn, "" when unknown
    std::size_t worker = 0;  // stalled_task: its worker; lost_waker: where it was lost
    std::chrono::milliseconds running_for{0};  // stalled_task: at least this long when reported
    std::string message;                       // one line for people
};

struct watch_options {
    /// A task running longer than this without yielding is reported (once per run).
    std::chrono::milliseconds stall_threshold{100};
    /// Called on the watcher's thread for every warning. Must not block for long.
    std::function<void(const warning&)> on_warning;
};

}  // namespace weir

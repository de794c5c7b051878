// The non-template surface of the scheduler that header-only parts of weir (spawn, timers,
// spawn_blocking) call into. The implementation lives in core/src; nothing here names an OS type.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>

#include "../unhandled.hpp"
#include "intrusive_list.hpp"
#include "task_header.hpp"

namespace weir::detail {

class runtime_core;

/// The runtime whose worker (or block_on) thread is calling, or null.
inline runtime_core* current_runtime() noexcept { return this_thread.runtime; }

/// Registers a new task with rt (so shutdown can destroy it) and schedules its first run.
/// Returns false if rt is shutting down; the caller then owns t and must dispose of it.
bool submit_task(runtime_core* rt, task_header* t) noexcept;
/// Removes a finished task from rt's registry.
void unregister_task(runtime_core* rt, task_header* t) noexcept;
/// How many task ids a thread takes from the shared counter at a time (next_task_id).
inline constexpr std::uint64_t task_id_block = 1024;
/// A new task id: unique in the process, never 0; not in spawn order across threads.
std::uint64_t next_task_id() noexcept;
/// Reports an exception nobody will see (weir/unhandled.hpp) to rt's hook and metrics, or, with
/// no runtime, to stderr. t: the task it happened in, if known. operation_cancelled is ignored.
void report_unhandled(runtime_core* rt, unhandled_exception::kind k, task_header* t,
                      std::exception_ptr e) noexcept;

/// A timer registration. fire runs (outside the wheel lock, on a worker) once the deadline passed.
struct timer_entry : list_hook {
    std::uint64_t deadline = 0;  // in wheel ticks (ms since runtime start), rounded up
    bool in_wheel = false;       // guarded by the wheel lock
    std::uint8_t level = 0;      // where the wheel put it (for O(1) removal)
    std::uint8_t slot = 0;
    void (*fire)(timer_entry*) noexcept = nullptr;
    std::uint64_t task = 0;  // the id of the waiting task, for trace events
};

/// Converts a steady_clock time point to a wheel tick of rt, rounding up (timers never fire early).
std::uint64_t deadline_tick(runtime_core* rt, std::chrono::steady_clock::time_point tp) noexcept;
/// Inserts e; if its deadline has already passed, returns false without inserting.
bool timer_insert(runtime_core* rt, timer_entry* e) noexcept;
/// Removes e if it is still in the wheel; returns whether it was (then it will never fire).
bool timer_remove(runtime_core* rt, timer_entry* e) noexcept;

/// Work for the blocking pool. run executes on a pool thread and keeps the result; finish, called
/// right after it on the same thread, hands the result over (wakes the awaiting task; it may end
/// the job's lifetime). Two steps so that the pool can count the thread idle in between: a task
/// woken by finish may call spawn_blocking at once. finish may be null for a job that nobody
/// awaits (a file's close): run then does everything and may end the job's lifetime, so the pool
/// reads finish before it calls run. drop is called instead of both when the runtime shuts down
/// before the job started.
struct blocking_job {
    blocking_job* next = nullptr;
    void (*run)(blocking_job*) noexcept = nullptr;
    void (*finish)(blocking_job*) noexcept = nullptr;
    void (*drop)(blocking_job*) noexcept = nullptr;
};
/// Queues j on rt's blocking pool (starting a thread if all are busy). Returns false if rt is
/// shutting down (j is untouched). If a thread is needed and cannot start, j waits for a running
/// pool thread; when there is none, throws what starting one threw (std::system_error, or
/// std::bad_alloc), j untouched and not queued.
bool blocking_submit(runtime_core* rt, blocking_job* j);

}  // namespace weir::detail

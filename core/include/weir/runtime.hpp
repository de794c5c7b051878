// weir::runtime: the worker pool that runs tasks. block_on runs one task to completion on the
// calling thread (its spawned tasks run on the workers); spawn starts a task from any thread.
// The destructor shuts down: workers stop, every unfinished task is destroyed (its locals'
// destructors run), and join_handles still held report operation_cancelled. spawn_blocking
// jobs not started are dropped; running ones are waited for, with no timeout (a thread cannot
// be killed safely: docs/architecture.md, "No shutdown timeout for blocking jobs").
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "detail/block_on.hpp"
#include "detail/operation.hpp"
#include "detail/runtime_core.hpp"
#include "join_handle.hpp"
#include "metrics.hpp"
#include "spawn.hpp"
#include "task.hpp"
#include "trace.hpp"
#include "unhandled.hpp"
#include "watch.hpp"

namespace weir {

namespace detail {
class session_recorder;
}

class runtime {
public:
    struct options {
        /// Worker threads; 0 means std::thread::hardware_concurrency() (at least 1).
        std::size_t worker_threads = 0;
        /// Upper bound on blocking-pool threads (spawn_blocking); 0 means 64.
        std::size_t max_blocking_threads = 0;
        /// How long a blocking-pool thread with no job waits for one before it exits (tokio's
        /// thread_keep_alive), so that a burst of spawn_blocking calls does not keep its
        /// threads forever. Must be positive; std::chrono::nanoseconds::max() keeps idle
        /// threads until shutdown. Ignored in the event-loop build (it has no such thread).
        std::chrono::nanoseconds blocking_keep_alive = std::chrono::seconds(10);
        /// The I/O driver: "" picks the best that works here (io_uring, else Boost.Asio), or
        /// "uring", "asio", "none" (no I/O: operations throw function_not_supported). A named
        /// driver that cannot start makes the constructor throw std::system_error; an unknown
        /// name throws std::invalid_argument. The environment variable WEIR_IO_BACKEND, when
        /// set, overrides this. docs/io.md explains the choice.
        std::string io_backend;
        /// The event-loop build only (WebAssembly without threads, docs/wasm.md): the longest
        /// stretch the runtime runs on the host's thread before giving its event loop a turn.
        /// A slice ends earlier when nothing is ready. Must be positive. Ignored elsewhere.
        std::chrono::nanoseconds slice_budget = std::chrono::milliseconds(8);
        /// Called for every exception no code will see: a detached task's (its join_handle was
        /// dropped before it finished) and a combinator's discarded ones (a select loser's, a
        /// join's after the first); weir/unhandled.hpp. Runs on the thread that found it (a
        /// worker, inside a task run): keep it short and do not block. Empty (the default):
        /// the message is written to stderr. Either way runtime_metrics::unhandled_exceptions
        /// counts it. A no-op function silences it.
        std::function<void(const unhandled_exception&)> on_unhandled_exception;
    };

    /// A runtime with the default options.
    runtime();
    explicit runtime(options opts);
    runtime(const runtime&) = delete;
    runtime& operator=(const runtime&) = delete;
    /// Shuts down (see the file comment). Throws std::logic_error if called from one of this
    /// runtime's own threads (inside one of its tasks or blocking jobs), which it would have to
    /// join: destroy a runtime from outside it. The runtime is then left running.
    ~runtime() noexcept(false);

    /// Runs t on the calling thread until it completes and returns its value (or rethrows).
    /// Tasks it spawns run on the workers. Must not be called from inside a runtime task.
    /// In the event-loop build (docs/wasm.md) the calling thread runs the whole runtime until t
    /// completes, sleeping until the next timer when nothing is ready; it throws
    /// std::logic_error on a browser's main thread (which may not block: start the task with
    /// weir::wasm::start instead), and when t waits for something only the host's event loop
    /// could deliver (nothing is ready and no timer is pending).
    template <class T>
    T block_on(task<T> t) {
        if (detail::current_runtime())
            throw std::logic_error("weir::runtime::block_on called from inside a runtime thread");
        if (!t.valid()) throw std::invalid_argument("weir::runtime::block_on: the task is empty");
        return detail::block_on<T>(core_, std::move(t));
    }
    /// Waits on the calling thread for a spawned task and gives its value (or rethrows).
    template <class T>
    T block_on(join_handle<T> h) {
        if (!h.valid()) throw std::invalid_argument("weir::runtime::block_on: the handle is empty");
        return block_on(detail::await_handle<T>(std::move(h)));
    }
    /// block_on for an operation (such as `rx.recv()`), run as a task.
    template <detail::operation A>
    auto block_on(A&& op) {
        return block_on(detail::into_task(std::forward<A>(op)));
    }

    /// Spawns t onto the worker pool; callable from any thread. The call site is recorded as
    /// the task's spawn location (traces, stall reports, task dumps).
    template <class T>
    join_handle<T> spawn(task<T> t, const char* file = __builtin_FILE(),
                         unsigned line = __builtin_LINE()) {
        return detail::spawn_on(core_, std::move(t), nullptr, file, line);
    }
    /// spawn with a name for the task, shown in traces, stall reports and task dumps.
    template <class T>
    join_handle<T> spawn_named(std::string_view name, task<T> t,
                               const char* file = __builtin_FILE(),
                               unsigned line = __builtin_LINE()) {
        return detail::spawn_on(core_, std::move(t), detail::intern_name(name), file, line);
    }
    /// spawn for an operation (such as `tx.send(v)`), run as a task of its own.
    template <detail::operation A>
    auto spawn(A&& op, const char* file = __builtin_FILE(), unsigned line = __builtin_LINE()) {
        return spawn(detail::into_task(std::forward<A>(op)), file, line);
    }

    /// Starts recording trace events (weir/trace.hpp): each worker gets a ring of
    /// events_per_worker 64-bit words (rounded up to a power of two, made on the first call and
    /// kept; a poll's start, a wake-up or a finish takes one word, other events four), and a
    /// full ring drops new events (counted in trace::log::dropped). Idempotent.
    void start_tracing(std::size_t events_per_worker = std::size_t(1) << 16);
    /// Stops recording; what was recorded stays until take_trace.
    void stop_tracing() noexcept;
    /// Takes every event recorded since the previous take (callable while tracing, from any
    /// thread; call it often enough that the rings do not fill). A poll's end is known when its
    /// worker records what it does next (its next poll, a park): a take just after block_on
    /// returned may hold the last poll's poll_begin, and the next take its poll_end (if
    /// tracing is still on when the worker gets there).
    trace::log take_trace();
    /// take_trace into an existing log (replacing its contents), reusing its memory: a reader
    /// that drains often should use this one.
    void take_trace(trace::log& into);
    /// Moves what the rings hold into the runtime's own memory, undecoded (a copy of 8 bytes
    /// per one-word event), so that the rings do not fill; the next take_trace decodes it with
    /// the rest. A reader that must keep up with busy workers calls this often and take_trace
    /// when it wants events (measured here: take_trace about 70 ns per event, this about 9 ns
    /// per word). Returns the number of words moved (about one per poll, wake-up or finish,
    /// four per other event).
    std::uint64_t collect_trace();

    /// A snapshot of the scheduler's counters (weir/metrics.hpp); callable from any thread.
    runtime_metrics metrics() const;

    /// Every live task as text: its id, name, spawn location and state (running on worker N,
    /// runnable, or waiting on a timer, a channel, I/O, a join, ...); tasks that have not
    /// started yet are counted on one line, not listed. Callable from any thread.
    std::string dump_tasks() const;

    /// Starts a thread that reports tasks running longer than o.stall_threshold without
    /// yielding, through o.on_warning, while they still run (weir/watch.hpp). Calling it again
    /// replaces the settings; an empty on_warning stops watching.
    void watch(watch_options o);

    /// Number of worker threads (1 in the event-loop build, whatever options::worker_threads
    /// asked for: its one executor is the host's thread).
    std::size_t worker_count() const noexcept;
    /// The I/O driver this runtime uses: "uring" (Linux io_uring), "asio" (Boost.Asio: epoll, or
    /// IOCP on Windows), "none" (then the weir::net and weir::fs operations throw
    /// std::system_error with std::errc::function_not_supported), or "wasm_event_loop" (the
    /// event-loop build: no sockets or files, operations throw as for "none").
    /// options::io_backend and WEIR_IO_BACKEND choose it.
    const char* io_backend() const noexcept;

    /// Internal: the scheduler behind this runtime.
    detail::runtime_core* core() const noexcept { return core_; }

private:
    detail::runtime_core* core_;
    detail::session_recorder* session_ = nullptr;  // set while a trace::session is installed
};

}  // namespace weir

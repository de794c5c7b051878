// The driver interface between the platform-free core and a backend. A parker blocks one thread
// until another thread unparks it or a timeout passes; the driver is the parker that the worker
// holding the timer wheel parks on, and is where an I/O backend plugs in (its park waits for I/O
// completions and the next timer deadline at once, its unpark interrupts that wait).
// Backends (backends/<name>/) implement the three factory functions below; exactly one backend
// is linked into the library.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace weir::detail {

class parker {
public:
    virtual ~parker() = default;
    /// Blocks until unpark() is called (an unpark that came first is not lost: park then
    /// returns at once) or timeout_ns passes (negative: no timeout). May return spuriously.
    virtual void park(std::int64_t timeout_ns) = 0;
    /// Wakes the parked thread, or makes its next park return at once. Any thread.
    virtual void unpark() noexcept = 0;
    /// Takes a pending unpark without blocking: true if there was one (then the next park
    /// blocks again). Called by the parker's own thread. Sequentially consistent, so that a
    /// thread deciding to block elsewhere (on the driver) cannot miss an unpark aimed at it.
    virtual bool consume_unpark() noexcept = 0;
};

class io_driver;

/// What an event-loop driver calls back into: the runtime's one executor, run in slices on the
/// host's thread (core/src/event_loop.cpp implements it; docs/architecture.md explains it).
class slice_host {
public:
    struct outcome {
        bool ready = false;             // tasks (or spawn_blocking jobs) are waiting to run
        std::int64_t next_timer_ns = -1;  // time from now to the next timer; -1: no timer
    };
    /// Runs ready tasks, due timers and queued spawn_blocking jobs on the calling thread until
    /// nothing is ready or the slice budget is spent. Never blocks.
    virtual outcome run_slice() noexcept = 0;
    /// True while the runtime runs on the host thread (a slice, or block_on driving slices):
    /// a wake then needs no new slice, the running one sees it.
    virtual bool driving() const noexcept = 0;

protected:
    ~slice_host() = default;
};

class driver : public parker {
public:
    /// The backend's name, e.g. "thread_park" or "wasm_threads".
    virtual const char* name() const noexcept = 0;
    /// The driver's I/O side (detail/io.hpp), or null if this backend does no I/O.
    virtual io_driver* io() noexcept { return nullptr; }
    /// Reaps whatever I/O has completed, without blocking; called by busy workers now and then
    /// so completions are not left waiting for a worker to park. Thread-safe.
    virtual void poll() noexcept {}
    /// Hands queued operations (io_flag_deferrable) to the kernel. A worker calls it when its
    /// own queue runs empty, before stealing or parking. Thread-safe.
    virtual void flush() noexcept {}
    /// Called once by the runtime's destructor after the workers stopped and before unfinished
    /// tasks are destroyed: waits for work the driver runs on its own threads and stops
    /// reporting completions (the waiting frames are about to go).
    virtual void shutdown() noexcept {}

    // ---- event-loop drivers only (backends/wasm_event_loop) ----
    /// Hands the driver the runtime it drives, once, before any task exists (null at shutdown:
    /// no slice may run after that). The driver then runs a slice from the host's event loop
    /// after every unpark() (a wake-up, an earlier timer) and when the next timer is due.
    virtual void attach(slice_host* host) noexcept {}
    /// Whether the calling thread may block (block_on): false on a browser's main thread.
    virtual bool may_block() const noexcept { return true; }
};

/// True if the linked backend runs the runtime on the host's event loop, in slices, with one
/// executor and no worker threads (backends/wasm_event_loop); false where workers are threads.
bool backend_runs_on_event_loop() noexcept;

/// Provided by the linked backend.
std::unique_ptr<parker> make_thread_parker();
/// The driver for a new runtime. `requested` is runtime::options::io_backend ("" for the best
/// available, "uring", "asio", "none"); the environment variable WEIR_IO_BACKEND overrides it.
/// Throws std::invalid_argument for an unknown name, std::system_error if the named driver
/// cannot start here.
std::unique_ptr<driver> make_driver(const std::string& requested);
/// Number of hardware threads the platform reports (at least 1).
unsigned hardware_threads() noexcept;

}  // namespace weir::detail

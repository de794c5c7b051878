// The host thread of a WebAssembly build: the JavaScript thread that loaded the module (a page's
// or Node's main thread, or the worker that imported it). Only that thread can call JavaScript
// functions that settle promises, touch the DOM or resolve what JavaScript awaits, and it must
// keep returning to its event loop. post_to_host is how any thread (a worker of the threads
// build, or a task inside a slice of the event-loop build) hands it work: the callbacks run on
// it soon after, from its event loop, in the order they were posted, never inside the poster's
// call. weir::wasm::start (start.hpp) delivers task results this way.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>

namespace weir::wasm {

/// Whether a post wakes the host thread. Waking it costs a message to its event loop, and, on a
/// machine whose cores the workers keep busy, a worker's core for that while (tens of µs each).
enum class wake {
    now,        ///< the host runs the callback soon (the default)
    with_next,  ///< the callback waits for the next drain, which a later `now` post brings
};

/// Runs fn(arg) on the host thread from its event loop, after the current JavaScript task (a
/// microtask in the event-loop build, a message to the host thread in the threads build).
/// Callable from any thread. fn must not throw.
///
/// wake::with_next queues fn without waking the host: it runs with the next drain (any post
/// with wake::now, or run_host_callbacks). The poster must know that such a post will come (the
/// npm bindings defer a job's completion only while another job is queued behind it, whose own
/// completion will come). A post from the host thread itself always schedules its drain (a
/// microtask costs nothing like a wake), and so does the 16th deferred callback in a row, so a
/// mistaken promise delays callbacks, never loses them for good.
void post_to_host(void (*fn)(void*) noexcept, void* arg, wake w = wake::now);

/// post_to_host for any callable (moved into a heap box, run once, then destroyed on the host
/// thread). A callable that throws has its exception dropped.
template <class F>
void post_to_host(F f, wake w = wake::now) {
    auto* box = new F(std::move(f));
    post_to_host(
        [](void* p) noexcept {
            std::unique_ptr<F> g(static_cast<F*>(p));
            try {
                (*g)();
            } catch (...) {
            }
        },
        box, w);
}

/// Runs, now, on the calling thread (which must be the host thread), the callbacks posted so far
/// and returns how many ran. The event loop does this by itself; a host that runs its own loop,
/// or a test that cannot return to the event loop, calls it.
std::size_t run_host_callbacks();

/// True on the host thread.
bool on_host_thread() noexcept;

}  // namespace weir::wasm

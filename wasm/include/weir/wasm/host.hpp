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

/// Decides whether a post wakes the host: decide(ctx), called by post_to_host under the host
/// inbox's lock, so that decisions are made in the same order as the posts they belong to. Null
/// decides wake::now.
///
/// That order is what makes a counting policy safe. The npm bindings count jobs in flight and
/// let a job's completion wait (with_next) while more jobs are outstanding than there are
/// workers: each of those will post later, and the last one wakes. If the count were taken
/// before the lock, a completion could decide "another post will come", be delayed, and post
/// after every other job had posted and the host had drained: nothing would wake the host for
/// it again (this hung the npm reliability test about once in 75 runs on a loaded machine).
/// decide must be quick and must not post: it runs with every poster waiting.
struct wake_policy {
    wake (*decide)(void* ctx) noexcept = nullptr;
    void* ctx = nullptr;
};

/// Runs fn(arg) on the host thread from its event loop, after the current JavaScript task (a
/// microtask in the event-loop build, a message to the host thread in the threads build).
/// Callable from any thread. fn must not throw.
///
/// wake::with_next queues fn without waking the host: it runs with the next drain (any post
/// with wake::now, or run_host_callbacks). The poster must know that such a post will come,
/// after this one (the npm bindings defer a job's completion only while another job is
/// outstanding, whose own completion will come: they decide through a wake_policy, below). A
/// post from the host thread itself always schedules its drain (a microtask costs nothing like a
/// wake), and so does the 16th deferred callback in a row.
void post_to_host(void (*fn)(void*) noexcept, void* arg, wake w = wake::now);

/// post_to_host whose wake is decided by policy, under the inbox's lock (wake_policy says why).
void post_to_host(void (*fn)(void*) noexcept, void* arg, wake_policy policy);

namespace detail {
/// A heap box for a callable posted to the host: run once, then destroyed, on the host thread.
/// A callable that throws has its exception dropped.
template <class F>
void run_boxed(void* p) noexcept {
    std::unique_ptr<F> g(static_cast<F*>(p));
    try {
        (*g)();
    } catch (...) {
    }
}
}  // namespace detail

/// post_to_host for any callable (moved into a heap box, run once, then destroyed on the host
/// thread). A callable that throws has its exception dropped.
template <class F>
void post_to_host(F f, wake w = wake::now) {
    post_to_host(&detail::run_boxed<F>, new F(std::move(f)), w);
}

/// post_to_host for any callable, its wake decided by policy under the inbox's lock.
template <class F>
void post_to_host(F f, wake_policy policy) {
    post_to_host(&detail::run_boxed<F>, new F(std::move(f)), policy);
}

/// Runs, now, on the calling thread (which must be the host thread), the callbacks posted so far
/// and returns how many ran. The event loop does this by itself; a host that runs its own loop,
/// or a test that cannot return to the event loop, calls it.
std::size_t run_host_callbacks();

/// True on the host thread.
bool on_host_thread() noexcept;

}  // namespace weir::wasm

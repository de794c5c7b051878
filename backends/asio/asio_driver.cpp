// The Asio driver's own life and the life of each operation (the class and the design are in
// asio_driver.hpp): parking the timer owner on the io_context and waking it, the bounded
// teardown, and the state word that makes every operation report exactly once, whether its
// completion or its cancellation comes first. These rules hold for every kind of operation, so
// they live apart from the socket and file code that starts operations. The entry points the
// rest of weir calls (io_release_handle, make_asio_driver) are here too.

#include "asio_driver.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

#ifndef _WIN32
#include <unistd.h>
#endif

namespace weir::detail::asio_backend {

namespace {
std::mutex registry_lock;  // the live asio drivers, for io_release_handle
std::vector<asio_driver*> registry;
std::atomic<int> registry_size{0};
}  // namespace

asio_driver::asio_driver() {
    std::lock_guard<std::mutex> g(registry_lock);
    registry.push_back(this);
    registry_size.fetch_add(1, std::memory_order_relaxed);
}

asio_driver::~asio_driver() {
    {
        std::lock_guard<std::mutex> g(registry_lock);
        std::erase(registry, this);
        registry_size.fetch_sub(1, std::memory_order_relaxed);
    }
    shutdown();
    // The user's socket and file types still own their handles: give them back open.
    std::lock_guard<std::mutex> t(table_lock_);
    for (auto& [h, e] : table_) release(e.obj);
    table_.clear();
}

// ---- parker ----
void asio_driver::park(std::int64_t timeout_ns) {
    if (state_.take_notification()) return;
    if (timeout_ns == 0) {
        poll();
        return;
    }
    std::lock_guard<std::mutex> run(run_lock_);
    if (state_.begin_sleep()) {
        try {
            if (timeout_ns < 0)
                ctx_.run_one();
            else
                ctx_.run_one_for(std::chrono::nanoseconds(timeout_ns));
        } catch (...) {  // a failing wait (EINTR) is a spurious wake-up
        }
        state_.end_sleep();
    }
    run_ready();
}

void asio_driver::unpark() noexcept {
    if (state_.notify()) {
        try {
            asio::post(ctx_, [] {});  // wakes the owner's run_one
        } catch (...) {
        }
    }
}

void asio_driver::poll() noexcept {
    // Nothing in flight: no handler can be ready but an unpark's, which does not matter.
    if (inflight_.load(std::memory_order_relaxed) == 0) return;
    if (!run_lock_.try_lock()) return;  // someone is running handlers already
    run_ready();
    run_lock_.unlock();
}

/// From now on completions are not reported (the frames they would wake are about to be
/// destroyed). Every pending operation is cancelled and waited for, so that no kernel
/// (IOCP) writes into a buffer after its frame is gone; the wait is bounded, in case a
/// completion never comes.
void asio_driver::shutdown() noexcept {
    if (closing_.exchange(true, std::memory_order_acq_rel)) return;
    abandon_helper_jobs();  // bounded: a blocking call that never returns is left behind
    {
        std::lock_guard<std::mutex> t(table_lock_);
        for (auto& [h, e] : table_) cancel_all(e.obj);
    }
    std::lock_guard<std::mutex> run(run_lock_);
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (inflight_.load(std::memory_order_acquire) > 0 &&
           std::chrono::steady_clock::now() < give_up) {
        try {
            ctx_.run_one_for(std::chrono::milliseconds(10));
        } catch (...) {
        }
    }
}

// ---- io_driver ----
void asio_driver::submit(io_op* op) noexcept {
    new (op->scratch) op_state{};
    op->len = std::min(op->len, max_io);  // a shorter transfer, which callers handle
    inflight_.fetch_add(1, std::memory_order_relaxed);
    try {
        start(op);
    } catch (const std::bad_alloc&) {
        post_result(op, -ENOMEM);
    } catch (...) {
        post_result(op, -EIO);
    }
}

void asio_driver::cancel(io_op* op) noexcept {
    if (runs_on_helper(op->kind)) return;  // a blocking call on a helper thread: it ends
    op_state* s = state_of(op);
    std::uint8_t expected = op_state::pending;
    if (!s->st.compare_exchange_strong(expected, op_state::cancel_posted,
                                       std::memory_order_acq_rel))
        return;  // completed already (or a cancel is on its way)
    try {
        asio::post(ctx_,
                   asio::bind_allocator(scratch_allocator<void>(s), [this, op] { on_cancel(op); }));
    } catch (...) {  // could not post: let the operation finish by itself
        expected = op_state::cancel_posted;
        if (!s->st.compare_exchange_strong(expected, op_state::cancel_sent))
            report(op);  // it completed meanwhile and left the report to us
    }
}

/// True if the driver has an object for handle h.
bool asio_driver::knows(std::intptr_t h) noexcept {
    std::lock_guard<std::mutex> t(table_lock_);
    return table_.find(h) != table_.end();
}

/// io_release_handle for this driver: drops its object for handle h, if it has one,
/// closing the handle through it when may_close (returns 2), else giving it back open
/// (returns 1). 0: it did not know h.
int asio_driver::forget(std::intptr_t h, bool may_close) noexcept {
    std::lock_guard<std::mutex> t(table_lock_);
    auto it = table_.find(h);
    if (it == table_.end()) return 0;
    int r = 1;
    if (may_close && !std::holds_alternative<std::monostate>(it->second.obj)) {
#ifndef _WIN32
        if (!std::holds_alternative<file_object>(it->second.obj))
#endif
        {
            close(it->second.obj);
            r = 2;
        }
    }
    if (r == 1) release(it->second.obj);
    table_.erase(it);
    return r;
}

// Under run_lock_.
void asio_driver::run_ready() noexcept {
    try {
        ctx_.poll();
    } catch (...) {
    }
}

std::int64_t asio_driver::close_now(std::intptr_t h) noexcept {
    if (forget(h, true) == 2) return 0;
#ifdef _WIN32
    return ::closesocket(native(h)) == 0 ? 0 : -to_errno(::WSAGetLastError());
#else
    return ::close(native(h)) == 0 ? 0 : -errno;
#endif
}

/// Reports a result without starting anything (errors found before the start, nop, close).
void asio_driver::post_result(io_op* op, std::int64_t r) noexcept {
    op->result = r;
    // The handler lives in op's scratch: posting allocates nothing and cannot fail.
    asio::post(ctx_, asio::bind_allocator(scratch_allocator<void>(state_of(op)),
                                          [this, op] { complete(op, op->result); }));
}

/// An operation finished with result r (on the reaper, or on a helper thread for files).
void asio_driver::complete(io_op* op, std::int64_t r) noexcept {
    op->result = r;
    op_state* s = state_of(op);
    std::uint8_t st = s->st.load(std::memory_order_acquire);
    for (;;) {
        if (st == op_state::cancel_sent) break;  // the cancellation is done with op
        // pending: claim the report before a cancel() can post a handler that would look
        // at op after its waiter freed it. cancel_posted: that handler will run and report.
        std::uint8_t next = st == op_state::pending ? op_state::done : op_state::completed_early;
        if (s->st.compare_exchange_weak(st, next, std::memory_order_acq_rel)) {
            if (next == op_state::completed_early) return;
            break;
        }
    }
    report(op);
}

/// The posted half of cancel(), on the reaper.
void asio_driver::on_cancel(io_op* op) noexcept {
    op_state* s = state_of(op);
    if (s->st.load(std::memory_order_acquire) == op_state::cancel_posted) {
        // Still pending (its completion would run on this thread, after us). Emit only
        // while the Asio object it was started on exists: a close since then has aborted
        // the operation already, and the object's memory is gone.
        std::lock_guard<std::mutex> t(table_lock_);
        auto it = table_.find(op->handle);
        if (s->gen != 0 && it != table_.end() && it->second.gen == s->gen)
            s->signal.emit(asio::cancellation_type::terminal);  // completion comes later
    }
    std::uint8_t expected = op_state::cancel_posted;
    if (s->st.compare_exchange_strong(expected, op_state::cancel_sent, std::memory_order_acq_rel))
        return;
    report(op);  // completed_early: the completion left the report to us
}

void asio_driver::report(io_op* op) noexcept {
    if (closing_.load(std::memory_order_acquire)) {
        finish_silently(op);  // the runtime is going away: nobody must be woken
        return;
    }
    state_of(op)->~op_state();
    inflight_.fetch_sub(1, std::memory_order_release);
    op->complete(op);  // the waiter may free op at once: do not touch it after
}

void asio_driver::finish_silently(io_op* op) noexcept {
    // A connection accepted for nobody: close it (its table entry goes with it).
    if (op->kind == io_kind::accept && op->result >= 0)
        close_now(static_cast<std::intptr_t>(op->result));
    state_of(op)->~op_state();
    inflight_.fetch_sub(1, std::memory_order_release);
}

}  // namespace weir::detail::asio_backend

namespace weir::detail {

using asio_backend::asio_driver;
using asio_backend::registry;
using asio_backend::registry_lock;
using asio_backend::registry_size;

bool io_release_handle(std::intptr_t handle) noexcept {
    if (registry_size.load(std::memory_order_relaxed) == 0) return false;
    // Every driver forgets it (two runtimes may have used one socket); one that has an object
    // for it closes it, and that one goes last: once the handle is closed the OS may give its
    // number at once to a socket another runtime accepts or opens, and a forget after that
    // would drop (and cancel the operations of) the new socket's entry.
    std::lock_guard<std::mutex> g(registry_lock);
    asio_driver* closer = nullptr;
    for (asio_driver* d : registry) {
        if (!closer && d->knows(handle))
            closer = d;
        else
            d->forget(handle, false);
    }
    return closer && closer->forget(handle, true) == 2;
}

std::unique_ptr<driver> make_asio_driver() {
    try {
        return std::make_unique<asio_driver>();
    } catch (const std::exception&) {  // the reactor could not be created (out of fds, ...)
        return nullptr;
    }
}

}  // namespace weir::detail

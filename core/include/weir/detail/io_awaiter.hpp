// Awaiting one io_op: submit it to the runtime's I/O driver and suspend until the driver reports
// its completion. Cancellation asks the driver to cancel the operation, then still waits for its
// completion (the kernel may be writing into our buffer until then), so nothing is leaked and the
// frame is never freed under a pending operation.
//
// An operation can complete in the kernel and still lose: the cancellation came too late, or the
// task's scope was cancelled (a timeout fired, another select branch won) between the completion
// and the task's resumption. What happens to its result then is each call's cancel safety
// (docs/io.md):
// * calls that receive something their object can keep (a stream's bytes, an accepted socket, a
//   datagram) pass a give_back hook: the result goes back to the object, whose next call returns
//   it first, and the await throws operation_cancelled. Nothing is lost and nothing is returned
//   to a task that is being cancelled (the rule of every weir primitive: a losing mpsc receive
//   puts its message back the same way);
// * the others (connect, send, file reads and writes, sync) return the result: the effect has
//   happened, and the caller (weir::timeout, say) gives it rather than pretending it did not.
#pragma once

#include <atomic>
#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>

#include "io.hpp"
#include "leaf_waiter.hpp"
#include "net_sys.hpp"
#include "runtime_core.hpp"
#include "trace_hooks.hpp"

namespace weir::detail {

/// The runtime's I/O driver for an operation named `what`, or a clear error where there is none.
io_driver* require_io(const char* what);

struct io_awaiter : leaf_waiter {
    /// Takes back the successful result of an operation whose task lost the race (see above).
    using give_back_fn = void (*)(void* owner, const io_op& op);

    io_op op;
    io_driver* drv = nullptr;
    runtime_core* rt = nullptr;  // for the io_completed trace event
    give_back_fn give_back = nullptr;
    void* owner = nullptr;  // for give_back: the socket the operation belongs to
    bool reported = false;  // completed, and the result not yet taken by await_resume

    explicit io_awaiter(const io_op& o) noexcept : op(o) {}
    io_awaiter(const io_op& o, give_back_fn g, void* own) noexcept
        : op(o), give_back(g), owner(own) {}
    io_awaiter(const io_awaiter&) = delete;
    /// A frame destroyed between the completion and the resumption (a runtime shutting down)
    /// must not leak what the kernel made for it: an accepted connection is closed.
    ~io_awaiter() {
        disarm();
        if (reported && op.kind == io_kind::accept && op.result >= 0)
            sys_close(static_cast<std::intptr_t>(op.result));
    }

    /// An operation the driver can finish at once does not suspend (nor pay for a wake-up).
    bool await_ready() {
        drv = require_io("weir I/O");
        rt = current_runtime();
        if (this_thread.worker) op.flags |= io_flag_deferrable;  // it flushes before idling
        return drv->try_now(&op);
    }
    template <class P>
    bool await_suspend(coro::coroutine_handle<P> h) {
        prepare(h, "I/O");
        op.complete = &on_complete;
        op.context = this;
        drv->submit(&op);
        arm(&on_cancel);  // after submit: a cancellation must find the operation in flight
        return true;
    }
    /// The operation's result: >= 0 on success, else minus the OS error code.
    std::int64_t await_resume() {
        reported = false;  // the result is ours now
        // Lost: cancelled while pending, or the scope was cancelled after the completion.
        bool lost = cancelled || scope_cancelled();
        disarm();
        if (lost) {
            if (op.result == -ECANCELED) throw operation_cancelled();
            if (give_back && op.result >= 0) {
                give_back(owner, op);
                throw operation_cancelled();
            }
        }
        return op.result;
    }

    static void on_complete(io_op* o) noexcept {
        auto* self = static_cast<io_awaiter*>(o->context);
        if (trace_any()) trace_io_completed(self->rt, self->header->id, o->result);
        self->reported = true;
        self->wake();  // exactly once: the driver reports each operation once
    }
    static void on_cancel(cancel_callback* cb) noexcept {
        auto* self = static_cast<io_awaiter*>(cb);
        self->cancelled = true;
        self->drv->cancel(&self->op);  // the completion (maybe -ECANCELED) wakes us
    }
};

/// The category of the error numbers in io results: the system's on POSIX (they are errno
/// values). On Windows the drivers translate OS errors to POSIX numbers, which libstdc++ 12's
/// system category there would not compare equal to std::errc values: the generic one does.
inline const std::error_category& io_category() noexcept {
#ifdef _WIN32
    return std::generic_category();
#else
    return std::system_category();
#endif
}

/// The exception for a negative io result (minus an OS error code).
inline std::system_error io_error(std::int64_t r, const std::string& what) {
    return std::system_error(static_cast<int>(-r), io_category(), what);
}

/// Throws std::system_error for a negative io result.
inline std::int64_t check_io(std::int64_t r, const char* what) {
    if (r < 0) throw io_error(r, what);
    return r;
}

}  // namespace weir::detail

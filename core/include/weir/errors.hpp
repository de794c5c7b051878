// The exceptions weir itself throws. Cancellation and timeouts propagate through co_await (as
// exceptions do with std::future); timeouts, channel errors and lost wakers are std::exceptions,
// cancellation on purpose is not (see operation_cancelled). I/O errors use std::system_error
// and misuse of an API uses std::logic_error.
#pragma once

#include <stdexcept>
#include <string>

namespace weir {

/// Thrown at a task's await point once its cancellation scope is cancelled (join_handle::abort(),
/// a cancellation_token, a losing select branch, a timeout's deadline).
///
/// The catching rule: operation_cancelled deliberately does not derive from std::exception (as
/// boost::thread_interrupted does not), so that a `catch (const std::exception&)` written for
/// errors (a retry loop, a handler that logs and carries on) does not swallow a cancellation and
/// leave an aborted task running. Catch it by name, or with `catch (...)`, to run cleanup, then
/// rethrow it. A task that swallows it anyway keeps running, but every later await in the
/// cancelled scope throws it again, and spends cooperative budget before it does, so the task
/// still gives way to the others (docs/architecture.md, "Cancellation").
class operation_cancelled {
public:
    operation_cancelled() noexcept = default;
    const char* what() const noexcept { return "weir: operation cancelled"; }
};

/// Thrown by weir::timeout when the deadline passes before the task finished.
class timed_out : public std::runtime_error {
public:
    timed_out() : std::runtime_error("weir: operation timed out") {}
};

/// Thrown when the other side of a channel is gone: sending to a dropped receiver, or awaiting a
/// oneshot whose sender was destroyed without sending.
class channel_closed : public std::runtime_error {
public:
    channel_closed() : std::runtime_error("weir: channel closed") {}
};

/// Thrown at the await of a task that waited on a weir::mutex, weir::semaphore or weir::notify
/// destroyed while the task waited: the waiter's waker went with the primitive (a lost waker,
/// reported as such by runtime::watch, the trace and the metrics), and instead of hanging forever
/// the task resumes with this error. Destroying a primitive that tasks wait on is a bug of the
/// program; this makes it visible where it happens.
class wait_abandoned : public std::logic_error {
public:
    explicit wait_abandoned(const char* what_it_waited_on)
        : std::logic_error(std::string("weir: the task waited on ") + what_it_waited_on +
                           " that was destroyed while it waited (a lost waker)") {}
};

}  // namespace weir

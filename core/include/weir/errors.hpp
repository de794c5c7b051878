// The exceptions weir itself throws. Cancellation and timeouts are ordinary exceptions that
// propagate through co_await (as with std::future), so a task can catch them like any other;
// I/O errors use std::system_error and misuse of an API uses std::logic_error.
#pragma once

#include <stdexcept>
#include <string>

namespace weir {

/// Thrown at a task's await point once its cancellation token (or its join_handle's abort(),
/// or a losing select branch) has cancelled it.
class operation_cancelled : public std::runtime_error {
public:
    operation_cancelled() : std::runtime_error("weir: operation cancelled") {}
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

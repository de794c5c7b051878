// weir::mpsc: multi-producer, single-consumer channels. channel<T>(capacity) is bounded: a send
// to a full channel suspends the sender until the receiver makes room (backpressure).
// unbounded_channel<T>() never blocks the sender. Senders are copyable; recv() gives std::nullopt
// once every sender is gone and everything sent has been received. A receiver waiting on an empty
// channel gets the next value handed to it directly by the sender (one lock round trip, no
// queueing). send and recv return operations (detail/operation.hpp), not tasks: when the channel
// has room (or a value), they complete in await_ready with one lock round trip and no coroutine
// frame.
//
// Guarantees:
//   * A send that does not complete normally did not deliver its value. If `co_await tx.send(v)`
//     throws (operation_cancelled, channel_closed), or loses the select or timeout it is in, v was
//     not sent, so retrying cannot duplicate it. (A blocked sender is granted a slot when the
//     receiver makes room and pushes its value when it resumes; if it was cancelled meanwhile it
//     gives the slot to the next blocked sender instead: detail/mpsc_chan.hpp.)
//   * Values from one sender arrive in the order it sent them; blocked senders are granted room
//     first come, first served, so none starves.
//   * A receive that loses a select puts its value back at the head of the channel.
//   * try_send never destroys the value it could not send: the result gives it back.
//   * Closed is final: once recv() gave std::nullopt, it gives nullopt forever; every later send
//     throws channel_closed (even one from a send operation awaited after its sender was
//     destroyed, which is a misuse).
//   * No value is destroyed under the channel's lock, so a message may own a sender (or anything
//     else that uses this channel) in its destructor.
#pragma once

#include <cstddef>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "detail/mpsc_chan.hpp"
#include "detail/operation.hpp"
#include "errors.hpp"
#include "task.hpp"

namespace weir::mpsc {

namespace detail {
/// What an unbounded send returns: already complete, so `tx.send(v);` and
/// `co_await tx.send(v);` both work.
struct sent {
    bool await_ready() const noexcept { return true; }
    void await_suspend(weir::coro::coroutine_handle<>) const noexcept {}
    void await_resume() const noexcept {}
};
}  // namespace detail

/// What sender::try_send returns: whether the value went in, and if it did not, why and the value
/// itself, as tokio's TrySendError: a full or closed channel never destroys a message.
template <class T>
class [[nodiscard]] try_send_result {
public:
    /// sent: delivered or queued. full: no room right now. closed: the receiver is gone.
    enum class status { sent, full, closed };

    try_send_result(status s, std::optional<T> v) : s_(s), v_(std::move(v)) {}
    status state() const noexcept { return s_; }
    bool sent() const noexcept { return s_ == status::sent; }
    bool is_full() const noexcept { return s_ == status::full; }
    bool is_closed() const noexcept { return s_ == status::closed; }
    /// True if the value was sent.
    explicit operator bool() const noexcept { return sent(); }
    /// The value that was not sent (full or closed). Throws std::logic_error if it was sent (or
    /// already taken back).
    T into_value() {
        if (!v_) throw std::logic_error("weir::mpsc::try_send_result: no value to give back");
        T v = std::move(*v_);
        v_.reset();
        return v;
    }

private:
    status s_;
    std::optional<T> v_;
};

/// The sending half of a bounded channel. Copyable: each copy counts as a sender until destroyed
/// (a moved-from sender does not count).
template <class T>
class sender {
public:
    explicit sender(std::shared_ptr<detail::chan<T>> c) noexcept : c_(std::move(c)) {}
    sender(const sender& o) : c_(o.c_) {
        if (c_) c_->add_sender();
    }
    sender(sender&& o) noexcept = default;
    sender& operator=(const sender& o) {
        if (this != &o) {
            reset();
            c_ = o.c_;
            if (c_) c_->add_sender();
        }
        return *this;
    }
    sender& operator=(sender&& o) noexcept {
        if (this != &o) {
            reset();
            c_ = std::move(o.c_);
        }
        return *this;
    }
    ~sender() { reset(); }

    /// Sends v, suspending while the channel is full. Throws weir::channel_closed if the receiver
    /// is gone (v is then dropped). A send that throws (channel_closed, operation_cancelled) or
    /// loses the select or timeout it is awaited in did not deliver v. The returned operation
    /// borrows this sender: await it while the sender lives (`co_await tx.send(v)`), or hand it
    /// to spawn/select/join, which turn it into a task holding its own sender.
    detail::send_op<T> send(T v) const {
        if (!c_) throw std::logic_error("weir::mpsc::sender::send on a moved-from sender");
        return detail::send_op<T>(c_.get(), this, std::move(v));
    }
    /// Sends v if that is possible right now without waiting. The result says whether it was
    /// sent and, if not (the channel is full, or the receiver is gone), gives v back.
    try_send_result<T> try_send(T v) const {
        if (!c_) throw std::logic_error("weir::mpsc::sender::try_send on a moved-from sender");
        using status = typename try_send_result<T>::status;
        c_->lock.lock();
        detail::push_status s = c_->push_locked(v);
        c_->lock.unlock();
        if (s == detail::push_status::sent) return {status::sent, std::nullopt};
        return {s == detail::push_status::full ? status::full : status::closed, std::move(v)};
    }
    /// True if the receiver has been dropped.
    bool is_closed() const noexcept {
        if (!c_) return true;
        c_->lock.lock();
        bool closed = !c_->receiver_alive;
        c_->lock.unlock();
        return closed;
    }

private:
    template <class U>
    friend class unbounded_sender;
    void reset() noexcept {
        if (c_) c_->drop_sender();
        c_.reset();
    }
    std::shared_ptr<detail::chan<T>> c_;
};

/// The sending half of an unbounded channel: send never blocks.
template <class T>
class unbounded_sender {
public:
    explicit unbounded_sender(sender<T> s) noexcept : s_(std::move(s)) {}
    /// Queues v at once. Throws weir::channel_closed if the receiver is gone. The returned object
    /// is already complete: awaiting it is allowed and does nothing.
    detail::sent send(T v) const {
        if (!s_.c_)
            throw std::logic_error("weir::mpsc::unbounded_sender::send on a moved-from sender");
        s_.c_->lock.lock();
        detail::push_status st = s_.c_->push_locked(v);  // an unbounded channel is never full
        s_.c_->lock.unlock();
        if (st == detail::push_status::closed) throw channel_closed();  // v dies after unlocking
        return {};
    }
    /// True if the receiver has been dropped.
    bool is_closed() const noexcept { return s_.is_closed(); }

private:
    sender<T> s_;
};

/// The receiving half. Move-only; dropping it closes the channel for the senders.
template <class T>
class receiver {
public:
    explicit receiver(std::shared_ptr<detail::chan<T>> c) noexcept : c_(std::move(c)) {}
    receiver(receiver&&) noexcept = default;
    receiver& operator=(receiver&& o) noexcept {
        if (this != &o) {
            reset();
            c_ = std::move(o.c_);
        }
        return *this;
    }
    receiver(const receiver&) = delete;
    receiver& operator=(const receiver&) = delete;
    ~receiver() { reset(); }

    /// The next value, or std::nullopt once every sender is gone and the channel is drained.
    /// The returned operation borrows this receiver: await it while the receiver lives, or hand
    /// it to select/spawn/join, which turn it into a task holding the channel.
    detail::recv_op<T> recv() {
        if (!c_) throw std::logic_error("weir::mpsc::receiver::recv on a moved-from receiver");
        return detail::recv_op<T>(c_.get(), &c_);
    }
    /// Internal: the channel's shared state (weir::stream::from_channel pulls through it).
    detail::chan<T>* state() const noexcept { return c_.get(); }

    /// The next value if one is queued right now.
    std::optional<T> try_recv() {
        std::optional<T> out;
        if (!c_) return out;
        c_->lock.lock();
        c_->take_locked(out);
        c_->lock.unlock();
        return out;
    }

private:
    void reset() noexcept {
        if (c_) c_->drop_receiver();
        c_.reset();
    }
    std::shared_ptr<detail::chan<T>> c_;
};

namespace detail {
template <class T>
task<void> send_op<T>::run(sender<T> tx, T v) {
    co_await tx.send(std::move(v));  // tx, a clone, counts as a sender until this finishes
}
}  // namespace detail

namespace detail {
template <class T>
std::pair<sender<T>, receiver<T>> make_channel(std::size_t capacity, const char* name) {
    if (capacity == 0)
        throw std::invalid_argument("weir::mpsc::channel: capacity must be at least 1");
    auto c = std::make_shared<chan<T>>(capacity, name);
    return {sender<T>(c), receiver<T>(c)};
}
}  // namespace detail

/// A bounded channel holding up to `capacity` values (capacity must be at least 1). The trace
/// calls it "mpsc" (its channel_depth counter, docs/observability.md).
template <class T>
std::pair<sender<T>, receiver<T>> channel(std::size_t capacity) {
    return detail::make_channel<T>(capacity, "mpsc");
}
/// The same, named for the trace. Names are kept for the life of the process (as task names):
/// use a fixed set of them, not one per channel.
template <class T>
std::pair<sender<T>, receiver<T>> channel(std::size_t capacity, std::string_view name) {
    return detail::make_channel<T>(capacity, weir::detail::intern_name(name));
}

/// A channel without a bound: senders never wait (memory is the only limit).
template <class T>
std::pair<unbounded_sender<T>, receiver<T>> unbounded_channel() {
    auto [tx, rx] = detail::make_channel<T>(std::numeric_limits<std::size_t>::max(), "mpsc");
    return {unbounded_sender<T>(std::move(tx)), std::move(rx)};
}
/// The same, named for the trace (see channel).
template <class T>
std::pair<unbounded_sender<T>, receiver<T>> unbounded_channel(std::string_view name) {
    auto [tx, rx] = detail::make_channel<T>(std::numeric_limits<std::size_t>::max(),
                                            weir::detail::intern_name(name));
    return {unbounded_sender<T>(std::move(tx)), std::move(rx)};
}

}  // namespace weir::mpsc

// weir::mpsc: multi-producer, single-consumer channels. channel<T>(capacity) is bounded: a send
// to a full channel suspends the sender until the receiver makes room (backpressure), and values
// are delivered in send order, blocked senders included. unbounded_channel<T>() never blocks the
// sender. Senders are copyable; recv() gives std::nullopt once every sender is gone and everything
// sent has been received. A receiver waiting on an empty channel gets the next value handed to it
// directly by the sender (one lock round trip, no queueing). send and recv return operations
// (detail/operation.hpp), not tasks: when the channel has room (or a value), they complete in
// await_ready with one lock round trip and no coroutine frame. Waiters are woken while the
// channel's lock is still held: a wake only queues the task, and it keeps the waiter's frame from
// being destroyed (runtime shutdown) between claiming it and waking it.
#pragma once

#include <cstddef>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "detail/intrusive_list.hpp"
#include "detail/leaf_waiter.hpp"
#include "detail/operation.hpp"
#include "detail/spin_lock.hpp"
#include "detail/trace_hooks.hpp"
#include "errors.hpp"
#include "task.hpp"
#include "trace.hpp"

namespace weir::mpsc {

namespace detail {
using weir::detail::intrusive_list;
using weir::detail::leaf_waiter;
using weir::detail::list_hook;
using weir::detail::spin_lock;

template <class T>
struct recv_op;
template <class T>
struct send_op;
}  // namespace detail
template <class T>
class sender;
namespace detail {

template <class T>
struct chan {
    chan(std::size_t cap, const char* n) : capacity(cap), name(n) {}
    spin_lock lock;
    std::deque<T> queue;
    std::size_t capacity;
    const char* name;  // for the trace's channel_depth events (interned, or "mpsc")
    std::size_t senders = 1;
    bool receiver_alive = true;
    recv_op<T>* receiver = nullptr;
    intrusive_list<typename send_op<T>::hook_t> blocked;

    /// Under lock: takes the next value into out; the first blocked sender's value moves into the
    /// queue, and that sender is returned to be woken after unlocking.
    bool take_locked(std::optional<T>& out, send_op<T>*& to_wake) {
        if (queue.empty()) return false;
        out.emplace(std::move(queue.front()));
        queue.pop_front();
        if (auto* h = blocked.pop_front()) {
            send_op<T>* s = h->self;
            queue.push_back(std::move(s->value));
            s->delivered = true;
            to_wake = s;
        }
        depth_changed_locked();
        return true;
    }
    /// Under lock, after the queue grew or shrank: one relaxed load while nothing traces.
    void depth_changed_locked() noexcept {
        if (weir::detail::trace_any())
            weir::detail::trace_named(trace::kind::channel_depth, name, queue.size());
    }

    void add_sender() noexcept {
        lock.lock();
        ++senders;
        lock.unlock();
    }
    void drop_sender() noexcept {
        lock.lock();
        recv_op<T>* r = nullptr;
        if (--senders == 0 && blocked.empty()) r = std::exchange(receiver, nullptr);
        if (r) r->wake();  // wakes with no value: the channel is closed
        lock.unlock();
    }
    void drop_receiver() noexcept {
        lock.lock();
        receiver_alive = false;
        intrusive_list<typename send_op<T>::hook_t> woken;
        woken.splice_back(blocked);
        for (auto* h = woken.front(); h; h = woken.front()) {
            woken.erase(h);
            h->self->closed = true;
            h->self->wake();
        }
        queue.clear();
        depth_changed_locked();
        lock.unlock();
    }
};

/// What receiver::recv returns (and what a from_channel stream pulls with): an operation that
/// borrows the channel. await_ready takes a queued value under the lock, so a receive from a
/// non-empty channel costs one lock round trip and no suspension; only an empty channel makes
/// the receiver wait (registered as the channel's one receiver, handed the next value directly).
template <class T>
struct recv_op : leaf_waiter {
    chan<T>* c;  // borrowed: the receiver (or the stream owning it) outlives the await
    std::optional<T> out;
    bool waiting = false;
    const std::shared_ptr<chan<T>>* owner;  // for into_task; null when a stream pulls

    explicit recv_op(chan<T>* ch, const std::shared_ptr<chan<T>>* own = nullptr) noexcept
        : c(ch), owner(own) {}
    recv_op(const recv_op&) = delete;
    ~recv_op() {
        if (waiting) {
            c->lock.lock();
            if (c->receiver == this) c->receiver = nullptr;
            c->lock.unlock();
        }
        disarm();
    }
    /// The fast path: a queued value, or the end of the channel, completes without suspending.
    bool await_ready() {
        c->lock.lock();
        bool done = take_or_end_locked();
        c->lock.unlock();
        return done;
    }
    template <class P>
    bool await_suspend(weir::coro::coroutine_handle<P> h) {
        prepare(h, "an mpsc receive (channel empty)");
        c->lock.lock();
        if (take_or_end_locked()) {  // a value arrived since await_ready
            c->lock.unlock();
            return false;
        }
        if (c->receiver) {
            c->lock.unlock();
            throw std::logic_error("weir::mpsc::receiver::recv: already receiving");
        }
        c->receiver = this;
        waiting = true;
        c->lock.unlock();
        arm(&on_cancel);
        return true;
    }
    std::optional<T> await_resume() {
        waiting = false;
        if (out && scope_cancelled()) {
            // Handed a value, but our scope was cancelled before we ran (a losing select branch):
            // put it back at the head of the queue so the next recv gets it.
            disarm();
            c->lock.lock();
            c->queue.push_front(std::move(*out));
            c->lock.unlock();
            out.reset();
            throw operation_cancelled();
        }
        finish();
        return std::move(out);
    }
    /// As a task (for select, spawn, ...): the task holds the channel itself.
    task<std::optional<T>> into_task() && {
        if (!owner) throw std::logic_error("weir::mpsc: this receive cannot be turned into a task");
        return run(*owner);
    }
    static task<std::optional<T>> run(std::shared_ptr<chan<T>> keep) {
        co_return co_await recv_op{keep.get()};
    }
    static void on_cancel(weir::detail::cancel_callback* cb) noexcept {
        auto* self = static_cast<recv_op*>(cb);
        self->c->lock.lock();
        bool mine = self->c->receiver == self;
        if (mine) self->c->receiver = nullptr;
        self->c->lock.unlock();
        if (mine) {
            self->cancelled = true;
            self->wake();
        }
    }

private:
    /// Under lock: true if the receive is complete (a value taken, or every sender gone and the
    /// channel drained). A blocked sender whose value moved into the queue is woken here; a wake
    /// only queues its task.
    bool take_or_end_locked() {
        send_op<T>* to_wake = nullptr;
        if (c->take_locked(out, to_wake)) {
            if (to_wake) to_wake->wake();
            return true;
        }
        return c->senders == 0 && c->blocked.empty();
    }
};

/// What sender::send returns: an operation that borrows the sender's channel. await_ready hands
/// the value to a waiting receiver or queues it when there is room (one lock round trip, no
/// suspension); only a full channel makes the sender wait, linked into the channel's FIFO of
/// blocked senders with its value.
template <class T>
struct send_op : leaf_waiter {
    struct hook_t : list_hook {
        send_op* self;
    } hook;
    chan<T>* c;  // borrowed: the sender outlives the await (`co_await tx.send(v)`)
    const sender<T>* owner;
    T value;
    bool waiting = false;
    bool delivered = false;
    bool closed = false;

    send_op(chan<T>* ch, const sender<T>* own, T&& v) : c(ch), owner(own), value(std::move(v)) {
        hook.self = this;
    }
    send_op(const send_op&) = delete;
    ~send_op() {
        if (waiting) {
            c->lock.lock();
            if (hook.linked()) c->blocked.erase(&hook);
            c->lock.unlock();
        }
        disarm();
    }
    /// The fast path: delivered, queued, or refused (receiver gone) without suspending.
    bool await_ready() {
        c->lock.lock();
        bool done = deliver_locked();
        c->lock.unlock();
        return done;
    }
    template <class P>
    bool await_suspend(weir::coro::coroutine_handle<P> h) {
        prepare(h, "an mpsc send (channel full)");
        c->lock.lock();
        if (deliver_locked()) {  // room appeared since await_ready
            c->lock.unlock();
            return false;
        }
        c->blocked.push_back(&hook);
        waiting = true;
        c->lock.unlock();
        arm(&on_cancel);
        return true;
    }
    void await_resume() {
        waiting = false;
        if (delivered) {
            disarm();  // the value went through; a late cancellation does not undo that
            cancelled = false;
            return;
        }
        finish();
        if (closed) throw channel_closed();
    }
    /// As a task (for spawn, select, ...): the task holds a clone of the sender, so the channel
    /// stays open for it even if the original sender is dropped first.
    task<void> into_task() && { return run(*owner, std::move(value)); }
    static task<void> run(sender<T> tx, T v);  // defined below, once sender is complete
    static void on_cancel(weir::detail::cancel_callback* cb) noexcept {
        auto* self = static_cast<send_op*>(cb);
        self->c->lock.lock();
        bool mine = self->hook.linked();
        if (mine) self->c->blocked.erase(&self->hook);
        self->c->lock.unlock();
        if (mine) {
            self->cancelled = true;
            self->wake();
        }
    }

private:
    /// Under lock: true if the send is complete (delivered, or closed).
    bool deliver_locked() {
        if (!c->receiver_alive) {
            closed = true;
            return true;
        }
        if (c->receiver) {
            // The receiver waits on an empty channel: hand the value over directly.
            recv_op<T>* r = std::exchange(c->receiver, nullptr);
            r->out.emplace(std::move(value));
            r->wake();
            delivered = true;
            return true;
        }
        if (c->queue.size() < c->capacity && c->blocked.empty()) {
            c->queue.push_back(std::move(value));
            c->depth_changed_locked();
            delivered = true;
            return true;
        }
        return false;
    }
};

/// What an unbounded send returns: already complete, so `tx.send(v);` and
/// `co_await tx.send(v);` both work.
struct sent {
    bool await_ready() const noexcept { return true; }
    void await_suspend(weir::coro::coroutine_handle<>) const noexcept {}
    void await_resume() const noexcept {}
};
}  // namespace detail

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
    /// is gone (v is then dropped). The returned operation borrows this sender: await it while
    /// the sender lives (`co_await tx.send(v)`), or hand it to spawn/select/join, which turn it
    /// into a task holding its own sender.
    detail::send_op<T> send(T v) const {
        if (!c_) throw std::logic_error("weir::mpsc::sender::send on a moved-from sender");
        return detail::send_op<T>(c_.get(), this, std::move(v));
    }
    /// Sends v if there is room right now; false if the channel is full. Throws channel_closed if
    /// the receiver is gone.
    bool try_send(T v) const {
        if (!c_) throw std::logic_error("weir::mpsc::sender::try_send on a moved-from sender");
        return try_push(*c_, std::move(v));
    }
    /// True if the receiver has been dropped.
    bool is_closed() const noexcept {
        if (!c_) return true;
        c_->lock.lock();
        bool closed = !c_->receiver_alive;
        c_->lock.unlock();
        return closed;
    }

    /// Internal: pushes without blocking; used by try_send and unbounded senders.
    static bool try_push(detail::chan<T>& ch, T&& v) {
        ch.lock.lock();
        if (!ch.receiver_alive) {
            ch.lock.unlock();
            throw channel_closed();
        }
        if (ch.receiver) {
            detail::recv_op<T>* r = std::exchange(ch.receiver, nullptr);
            r->out.emplace(std::move(v));
            r->wake();
            ch.lock.unlock();
            return true;
        }
        if (ch.queue.size() >= ch.capacity || !ch.blocked.empty()) {
            ch.lock.unlock();
            return false;
        }
        ch.queue.push_back(std::move(v));
        ch.depth_changed_locked();
        ch.lock.unlock();
        return true;
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
        sender<T>::try_push(*s_.c_, std::move(v));
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
        detail::send_op<T>* to_wake = nullptr;
        c_->lock.lock();
        c_->take_locked(out, to_wake);
        if (to_wake) to_wake->wake();
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

// The shared state of an mpsc channel and the two operations awaited on it (send_op, recv_op);
// the public halves are in weir/mpsc.hpp.
//
// Bounded sends follow a reserve-then-push protocol (tokio's permits): a sender that finds the
// channel full waits in a FIFO without handing its value over. When the receiver takes a value
// it gives the freed slot to the first blocked sender (`reserved` counts such slots) and wakes
// it; the sender pushes its own value when it resumes, or, if its scope was cancelled meanwhile
// (a timeout or select it lost, an abort), gives the slot to the next blocked sender and throws.
// So a send that reports failure never delivered its value: no retry can duplicate a message.
//
// Locking rules: every section under `lock` is a few dozen instructions. Waiters are woken under
// the lock (a wake only queues a task, and it keeps the waiter's frame from being destroyed
// between claiming it and waking it). No user value is ever destroyed under the lock: values are
// moved in and out under it, and what must be destroyed (the queue when the receiver is dropped)
// is swapped out and destroyed after unlocking, so a message whose destructor uses a channel
// (for instance one that holds a sender of this very channel) cannot deadlock. The only thing
// destroyed under the lock is the moved-from shell a deque pop leaves, whose destructor, for any
// sane type, does nothing (a moved-from sender, for one, is empty).
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

#include "../errors.hpp"
#include "../task.hpp"
#include "../trace.hpp"
#include "intrusive_list.hpp"
#include "leaf_waiter.hpp"
#include "spin_lock.hpp"
#include "trace_hooks.hpp"

namespace weir::mpsc {

template <class T>
class sender;

namespace detail {
using weir::detail::intrusive_list;
using weir::detail::leaf_waiter;
using weir::detail::list_hook;
using weir::detail::spin_lock;

template <class T>
struct recv_op;
template <class T>
struct send_op;

/// What a send that does not wait found: room (sent), no room, or no receiver.
enum class push_status { sent, full, closed };

template <class T>
struct chan {
    chan(std::size_t cap, const char* n) : capacity(cap), name(n) {}
    spin_lock lock;
    std::deque<T> queue;
    std::size_t capacity;
    std::size_t reserved = 0;  // slots granted to blocked senders that have not pushed yet
    const char* name;          // for the trace's channel_depth events (interned, or "mpsc")
    std::size_t senders = 1;
    bool receiver_alive = true;
    recv_op<T>* receiver = nullptr;
    intrusive_list<typename send_op<T>::hook_t> blocked;

    bool has_room_locked() const noexcept { return queue.size() + reserved < capacity; }
    /// Under lock: every sender gone and nothing more can arrive.
    bool ended_locked() const noexcept { return senders == 0 && blocked.empty() && reserved == 0; }

    /// Under lock: gives free slots to blocked senders, first come first served, and wakes them.
    void grant_locked() noexcept;
    /// Under lock: the receiver waits and the channel has ended: wake it with no value.
    void wake_receiver_if_ended_locked() noexcept {
        if (receiver && ended_locked()) std::exchange(receiver, nullptr)->wake();
    }

    /// Under lock: the value goes to the waiting receiver, or into the queue if there is room
    /// and no blocked sender is ahead of it (or if the caller was granted a slot: own_slot).
    /// Moves from v only when it returns sent.
    /// Closed is final: once every sender is gone nothing enters, so after a receive gave
    /// nullopt no value can follow. (Every push comes from a live sender, or from a send operation
    /// awaited after its sender was destroyed, which the API forbids; the latter is refused here.)
    push_status push_locked(T& v, bool own_slot = false) {
        if (!receiver_alive || senders == 0) return push_status::closed;
        if (receiver) {
            // The receiver waits on an empty channel: hand the value over directly.
            recv_op<T>* r = std::exchange(receiver, nullptr);
            r->out.emplace(std::move(v));
            r->wake();
            return push_status::sent;
        }
        if (!own_slot && (!has_room_locked() || !blocked.empty())) return push_status::full;
        queue.push_back(std::move(v));
        depth_changed_locked();
        return push_status::sent;
    }

    /// Under lock: takes the next value into out; the slot it frees goes to a blocked sender.
    bool take_locked(std::optional<T>& out) {
        if (queue.empty()) return false;
        out.emplace(std::move(queue.front()));
        queue.pop_front();  // destroys only the moved-from shell (see the file comment)
        grant_locked();
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
        --senders;
        wake_receiver_if_ended_locked();  // woken with no value: the channel is closed
        lock.unlock();
    }
    void drop_receiver() noexcept {
        std::deque<T> dropped;  // destroyed after unlocking (see the file comment)
        lock.lock();
        receiver_alive = false;
        intrusive_list<typename send_op<T>::hook_t> woken;
        woken.splice_back(blocked);
        for (auto* h = woken.front(); h; h = woken.front()) {
            woken.erase(h);
            h->self->closed = true;
            h->self->wake();
        }
        dropped.swap(queue);
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
            c->depth_changed_locked();
            c->lock.unlock();
            out.reset();  // the moved-from shell, outside the lock
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
    /// Under lock: true if the receive is complete (a value taken, or the channel ended).
    bool take_or_end_locked() { return c->take_locked(out) || c->ended_locked(); }
};

/// What sender::send returns: an operation that borrows the sender's channel. await_ready hands
/// the value to a waiting receiver or queues it when there is room (one lock round trip, no
/// suspension); only a full channel makes the sender wait, in the channel's FIFO of blocked
/// senders, holding its value until it is granted a slot (see the file comment).
template <class T>
struct send_op : leaf_waiter {
    struct hook_t : list_hook {
        send_op* self;
    } hook;
    chan<T>* c;  // borrowed: the sender outlives the await (`co_await tx.send(v)`)
    const sender<T>* owner;
    T value;
    bool waiting = false;
    bool granted = false;  // the receiver reserved a slot for us (under the lock)
    bool closed = false;

    send_op(chan<T>* ch, const sender<T>* own, T&& v) : c(ch), owner(own), value(std::move(v)) {
        hook.self = this;
    }
    send_op(const send_op&) = delete;
    ~send_op() {
        if (waiting) {  // the frame dies while we wait (runtime shutdown)
            c->lock.lock();
            if (hook.linked())
                c->blocked.erase(&hook);
            else if (granted)
                release_slot_locked();
            c->lock.unlock();
        }
        disarm();
    }
    /// The fast path: delivered, queued, or refused (receiver gone) without suspending.
    bool await_ready() {
        c->lock.lock();
        bool done = try_now_locked();
        c->lock.unlock();
        return done;
    }
    template <class P>
    bool await_suspend(weir::coro::coroutine_handle<P> h) {
        prepare(h, "an mpsc send (channel full)");
        c->lock.lock();
        if (try_now_locked()) {  // room appeared since await_ready
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
        if (granted) {
            granted = false;
            bool lost = scope_cancelled();
            disarm();  // after this no cancellation callback runs: the slot is ours to use
            cancelled = false;
            // The blocked send's second lock round trip (one exchange, one store): the price of
            // never delivering a value whose send then reports failure.
            c->lock.lock();
            if (lost) {
                release_slot_locked();  // not sent: the slot goes to the next blocked sender
            } else {
                --c->reserved;
                if (c->push_locked(value, true) == push_status::closed) closed = true;
                c->grant_locked();  // handed to a waiting receiver: the slot is free again
                c->wake_receiver_if_ended_locked();  // refused (no sender left): it may be over
            }
            c->lock.unlock();
            if (lost) throw operation_cancelled();
            if (closed) throw channel_closed();
            return;
        }
        finish();
        if (closed) throw channel_closed();
    }
    /// As a task (for spawn, select, ...): the task holds a clone of the sender, so the channel
    /// stays open for it even if the original sender is dropped first.
    task<void> into_task() && { return run(*owner, std::move(value)); }
    static task<void> run(sender<T> tx, T v);  // defined in mpsc.hpp, once sender is complete
    static void on_cancel(weir::detail::cancel_callback* cb) noexcept {
        auto* self = static_cast<send_op*>(cb);
        self->c->lock.lock();
        bool mine = self->hook.linked();  // granted already: await_resume decides
        if (mine) self->c->blocked.erase(&self->hook);
        self->c->lock.unlock();
        if (mine) {
            self->cancelled = true;
            self->wake();
        }
    }

private:
    /// Under lock: true if the send is complete (delivered, or closed).
    bool try_now_locked() {
        push_status s = c->push_locked(value);
        if (s == push_status::closed) closed = true;
        return s != push_status::full;
    }
    /// Under lock: gives back a slot granted to us.
    void release_slot_locked() noexcept {
        --c->reserved;
        c->grant_locked();
        c->wake_receiver_if_ended_locked();
    }
};

template <class T>
void chan<T>::grant_locked() noexcept {
    while (has_room_locked()) {
        auto* h = blocked.pop_front();
        if (!h) return;
        ++reserved;
        h->self->granted = true;
        h->self->wake();
    }
}

}  // namespace detail
}  // namespace weir::mpsc

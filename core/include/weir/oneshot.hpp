// weir::oneshot: a channel for exactly one value. tx.send(v) completes the receiver at once;
// `co_await rx` gives the value, or throws weir::channel_closed if the sender was destroyed
// without sending.
//
// The two ends share one state block, from the frame pool (a request/response exchange makes
// one per request, so it is on the path of every such round trip), with a count of the ends
// still holding it: each end lets go once (the sender when it sends or closes, the receiver when
// it is destroyed), and the last frees it. Two atomic decrements a channel, where a shared_ptr
// took five reference-count updates and a malloc (ping_pong's profile: the channel's creation and
// release were 12% of it natively, malloc and free 5% in WebAssembly).
#pragma once

#include <atomic>
#include <stdexcept>
#include <utility>

#include "detail/completion.hpp"
#include "detail/frame_pool.hpp"
#include "detail/result.hpp"
#include "errors.hpp"
#include "task.hpp"

namespace weir::oneshot {

namespace detail {
template <class T>
struct state : weir::detail::pooled {
    weir::detail::result<T> value;
    weir::detail::completion done;
    std::atomic<bool> receiver_alive{true};
    std::atomic<unsigned char> ends{2};  // sender and receiver; the last to let go frees it

    /// One end lets go. acq_rel: the other end's writes (the value, the flag) happen before the
    /// delete, whichever end deletes.
    static void release(state* s) noexcept {
        if (s && s->ends.fetch_sub(1, std::memory_order_acq_rel) == 1) delete s;
    }
};
}  // namespace detail

template <class T>
class sender {
public:
    explicit sender(detail::state<T>* s) noexcept : s_(s) {}
    sender(sender&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
    sender& operator=(sender&& o) noexcept {
        if (this != &o) {
            close();
            s_ = std::exchange(o.s_, nullptr);
        }
        return *this;
    }
    sender(const sender&) = delete;
    sender& operator=(const sender&) = delete;
    ~sender() { close(); }

    /// Delivers v. Returns false if the receiver is already gone (v is dropped). A sender sends
    /// once: a second send (or a send on a moved-from sender) throws std::logic_error.
    bool send(T v) {
        if (!s_) throw std::logic_error("weir::oneshot::sender::send: already sent or moved from");
        detail::state<T>* s = std::exchange(s_, nullptr);
        struct let_go {  // also when moving v in throws
            detail::state<T>* s;
            ~let_go() { detail::state<T>::release(s); }
        } guard{s};
        if (!s->receiver_alive.load(std::memory_order_acquire)) return false;
        s->value.set_value(std::move(v));
        s->done.complete();
        return true;
    }
    /// True if the receiver has been dropped.
    bool is_closed() const noexcept {
        return !s_ || !s_->receiver_alive.load(std::memory_order_acquire);
    }

private:
    void close() noexcept {
        if (!s_) return;
        s_->value.set_exception(std::make_exception_ptr(channel_closed()));
        s_->done.complete();
        detail::state<T>::release(std::exchange(s_, nullptr));
    }
    detail::state<T>* s_ = nullptr;  // null once sent, closed or moved from
};

template <class T>
class receiver {
public:
    explicit receiver(detail::state<T>* s) noexcept : s_(s) {}
    receiver(receiver&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
    receiver& operator=(receiver&& o) noexcept {
        if (this != &o) {
            drop();
            s_ = std::exchange(o.s_, nullptr);
        }
        return *this;
    }
    receiver(const receiver&) = delete;
    receiver& operator=(const receiver&) = delete;
    ~receiver() { drop(); }

    struct awaiter : weir::detail::completion::wait {
        detail::state<T>* s;
        explicit awaiter(detail::state<T>* st) : weir::detail::completion::wait(&st->done), s(st) {}
        T await_resume() {
            resumed();
            return s->value.take();
        }
    };
    /// Waits for the value; throws weir::channel_closed if the sender was dropped unsent.
    awaiter operator co_await() & { return awaiter{checked()}; }
    awaiter operator co_await() && { return awaiter{checked()}; }

    /// True once a value (or the closing) has arrived.
    bool is_ready() const noexcept { return s_ && s_->done.is_done(); }

private:
    detail::state<T>* checked() const {
        if (!s_) throw std::logic_error("weir::oneshot::receiver awaited after being moved from");
        return s_;
    }
    void drop() noexcept {
        if (!s_) return;
        s_->receiver_alive.store(false, std::memory_order_release);
        detail::state<T>::release(std::exchange(s_, nullptr));
    }
    detail::state<T>* s_ = nullptr;  // null once moved from
};

/// Creates a connected sender and receiver.
template <class T>
std::pair<sender<T>, receiver<T>> channel() {
    auto* s = new detail::state<T>();
    return {sender<T>(s), receiver<T>(s)};
}

}  // namespace weir::oneshot

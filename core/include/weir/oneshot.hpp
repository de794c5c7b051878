// weir::oneshot: a channel for exactly one value. tx.send(v) completes the receiver at once;
// `co_await rx` gives the value, or throws weir::channel_closed if the sender was destroyed
// without sending.
#pragma once

#include <atomic>
#include <memory>
#include <stdexcept>
#include <utility>

#include "detail/completion.hpp"
#include "detail/result.hpp"
#include "errors.hpp"
#include "task.hpp"

namespace weir::oneshot {

namespace detail {
template <class T>
struct state {
    weir::detail::result<T> value;
    weir::detail::completion done;
    std::atomic<bool> receiver_alive{true};
};
}  // namespace detail

template <class T>
class sender {
public:
    explicit sender(std::shared_ptr<detail::state<T>> s) noexcept : s_(std::move(s)) {}
    sender(sender&&) noexcept = default;
    sender& operator=(sender&& o) noexcept {
        if (this != &o) {
            close();
            s_ = std::move(o.s_);
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
        auto s = std::move(s_);
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
        s_.reset();
    }
    std::shared_ptr<detail::state<T>> s_;
};

template <class T>
class receiver {
public:
    explicit receiver(std::shared_ptr<detail::state<T>> s) noexcept : s_(std::move(s)) {}
    receiver(receiver&&) noexcept = default;
    receiver& operator=(receiver&&) noexcept = default;
    receiver(const receiver&) = delete;
    receiver& operator=(const receiver&) = delete;
    ~receiver() {
        if (s_) s_->receiver_alive.store(false, std::memory_order_release);
    }

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
        return s_.get();
    }
    std::shared_ptr<detail::state<T>> s_;
};

/// Creates a connected sender and receiver.
template <class T>
std::pair<sender<T>, receiver<T>> channel() {
    auto s = std::make_shared<detail::state<T>>();
    return {sender<T>(s), receiver<T>(s)};
}

}  // namespace weir::oneshot

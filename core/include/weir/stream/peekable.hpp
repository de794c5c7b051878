// peekable(): a stream whose next item can be looked at without taking it (Rust's
// StreamExt::peekable). `co_await s.peek()` pulls the next item into the stream's own slot, if
// it is not there already, and gives a pointer to it (null at the end); the pointer stays valid
// until the next pull or peek. The next pull then gives that item without pulling upstream. A
// peekable is itself a stream: adapters and consumers chain on it as on any other.
#pragma once

#include <optional>
#include <utility>

#include "../detail/coro.hpp"
#include "detail/ready.hpp"
#include "stream_base.hpp"

namespace weir::stream {

template <stream_like S>
class peekable_stream : public stream_base<peekable_stream<S>, item_t<S>> {
    using T = item_t<S>;
    using up_awaiter = decltype(std::declval<S&>().pull());

    // Forwards to the upstream's pull unless an item (or the end) was peeked: then it is ready.
    struct pull_awaiter {
        peekable_stream* self;
        std::optional<up_awaiter> inner;  // empty: the answer is already here

        explicit pull_awaiter(peekable_stream* s) : self(s) {
            if (!s->peeked_ && !s->ended_) {
                auto make = [s] { return s->up_.pull(); };
                inner.emplace(detail::emplace_from<decltype(make)>{make});
            }
        }
        pull_awaiter(const pull_awaiter&) = delete;

        bool await_ready() { return !inner || inner->await_ready(); }
        template <class P>
        decltype(auto) await_suspend(coro::coroutine_handle<P> h) {
            return inner->await_suspend(h);
        }
        std::optional<T> await_resume() {
            if (!inner) {
                std::optional<T> v = std::move(self->peeked_);
                self->peeked_.reset();
                return v;
            }
            std::optional<T> v = inner->await_resume();
            inner.reset();
            if (!v) self->ended_ = true;
            return v;
        }
    };

public:
    explicit peekable_stream(S up) : up_(std::move(up)) {}

    pull_awaiter pull() { return pull_awaiter{this}; }

    /// The next item, left in the stream: a pointer to it, or null once the stream has ended.
    /// Valid until the next pull or peek. The stream must outlive the task.
    task<T*> peek() & {
        if (!peeked_ && !ended_) {
            peeked_ = co_await up_.pull();
            if (!peeked_) ended_ = true;
        }
        co_return peeked_ ? &*peeked_ : nullptr;
    }

private:
    S up_;
    std::optional<T> peeked_;  // pulled by peek, not yet taken
    bool ended_ = false;       // the upstream gave its end (to a peek or a pull)
};

template <class D, class T>
auto stream_base<D, T>::peekable() && {
    return peekable_stream<D>(moved_self());
}

}  // namespace weir::stream

// take(n): the first n items, then the end. A forwarding stage: once n items have passed it ends
// without pulling the upstream again (so take(n) over an endless source is finite and the source
// does no extra work).
#pragma once

#include <cstddef>
#include <optional>
#include <utility>

#include "../detail/coro.hpp"
#include "detail/ready.hpp"
#include "stream_base.hpp"

namespace weir::stream {

namespace detail {
template <class A, class T>
struct take_awaiter {
    std::optional<A> inner;  // empty once the count is reached

    /// up: the upstream to pull, or null when the count is reached. Built in place because
    /// upstream awaiters may be immovable.
    template <class S>
    explicit take_awaiter(S* up) {
        if (up) {
            auto make = [up] { return up->pull(); };
            inner.emplace(emplace_from<decltype(make)>{make});
        }
    }
    take_awaiter(const take_awaiter&) = delete;
    bool await_ready() { return !inner || inner->await_ready(); }
    template <class P>
    decltype(auto) await_suspend(coro::coroutine_handle<P> h) {
        return inner->await_suspend(h);
    }
    std::optional<T> await_resume() {
        if (!inner) return std::nullopt;
        return inner->await_resume();
    }
};
}  // namespace detail

template <stream_like S>
class take_stream : public stream_base<take_stream<S>, item_t<S>> {
    using up_awaiter = decltype(std::declval<S&>().pull());

public:
    take_stream(S up, std::size_t n) : up_(std::move(up)), left_(n) {}
    detail::take_awaiter<up_awaiter, item_t<S>> pull() {
        S* up = nullptr;
        if (left_ > 0) {
            --left_;
            up = &up_;
        }
        return detail::take_awaiter<up_awaiter, item_t<S>>(up);
    }

private:
    S up_;
    std::size_t left_;
};

template <class D, class T>
auto stream_base<D, T>::take(std::size_t n) && {
    return take_stream<D>(moved_self(), n);
}

}  // namespace weir::stream

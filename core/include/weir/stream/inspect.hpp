// inspect(f): calls f(const x&) for each item as it passes, and passes it on unchanged. A
// forwarding stage (no suspension), for logging and counting.
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "../detail/coro.hpp"
#include "stream_base.hpp"

namespace weir::stream {

namespace detail {
template <class A, class F>
struct inspect_awaiter {
    A inner;
    F* f;
    bool await_ready() { return inner.await_ready(); }
    template <class P>
    decltype(auto) await_suspend(coro::coroutine_handle<P> h) {
        return inner.await_suspend(h);
    }
    auto await_resume() {
        auto v = inner.await_resume();
        if (v) std::invoke(*f, std::as_const(*v));
        return v;
    }
};
}  // namespace detail

template <stream_like S, class F>
class inspect_stream : public stream_base<inspect_stream<S, F>, item_t<S>> {
    using up_awaiter = decltype(std::declval<S&>().pull());

public:
    inspect_stream(S up, F f) : up_(std::move(up)), f_(std::move(f)) {}
    detail::inspect_awaiter<up_awaiter, F> pull() { return {up_.pull(), &f_}; }

private:
    S up_;
    F f_;
};

template <class D, class T>
template <class F>
auto stream_base<D, T>::inspect(F f) && {
    static_assert(std::is_invocable_v<F&, const T&>,
                  "weir::stream::inspect: f must be callable with const item&");
    return inspect_stream<D, F>(moved_self(), std::move(f));
}

}  // namespace weir::stream

// map(f): each item x becomes f(x). A forwarding stage: its pull awaiter wraps the upstream's and
// applies f as the item comes out, so map adds a call, not a suspension. When f returns
// weir::task<U> the items are un-started tasks, run by a following buffered, buffer_unordered or
// spawn_buffered (the futures::stream idiom `map(async fn).buffered(n)`).
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "../detail/coro.hpp"
#include "stream_base.hpp"

namespace weir::stream {

namespace detail {
template <class S, class F>
using map_result_t = std::decay_t<std::invoke_result_t<F&, item_t<S>&&>>;

/// Wraps upstream awaiter A; await_resume applies f.
template <class A, class F, class U>
struct map_awaiter {
    A inner;
    F* f;
    bool await_ready() { return inner.await_ready(); }
    template <class P>
    decltype(auto) await_suspend(coro::coroutine_handle<P> h) {
        return inner.await_suspend(h);
    }
    std::optional<U> await_resume() {
        auto v = inner.await_resume();
        if (!v) return std::nullopt;
        return std::optional<U>(std::invoke(*f, std::move(*v)));
    }
};
}  // namespace detail

template <stream_like S, class F>
class map_stream : public stream_base<map_stream<S, F>, detail::map_result_t<S, F>> {
    using U = detail::map_result_t<S, F>;
    using up_awaiter = decltype(std::declval<S&>().pull());

public:
    map_stream(S up, F f) : up_(std::move(up)), f_(std::move(f)) {}
    detail::map_awaiter<up_awaiter, F, U> pull() { return {up_.pull(), &f_}; }

private:
    S up_;
    F f_;
};

template <class D, class T>
template <class F>
auto stream_base<D, T>::map(F f) && {
    static_assert(std::is_invocable_v<F&, T&&>,
                  "weir::stream::map: f must be callable with the stream's item type");
    static_assert(!std::is_void_v<std::invoke_result_t<F&, T&&>>,
                  "weir::stream::map: f must return a value (use inspect or for_each for "
                  "side effects)");
    return map_stream<D, F>(moved_self(), std::move(f));
}

}  // namespace weir::stream

// map(f): each item x becomes f(x). A forwarding stage (detail/forward.hpp): f is applied as the
// item comes out of the upstream's pull, so map adds a call, not a suspension. When f returns
// weir::task<U> the items are un-started tasks, run by a following buffered, buffer_unordered or
// spawn_buffered (the futures::stream idiom `map(async fn).buffered(n)`). If f throws, the
// exception reaches the consumer and the stream has ended (later pulls give std::nullopt): the
// upstream has been released (destroyed) by then.
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "detail/forward.hpp"
#include "stream_base.hpp"

namespace weir::stream {

namespace detail {
template <class S, class F>
using map_result_t = std::decay_t<std::invoke_result_t<F&, item_t<S>&&>>;
}  // namespace detail

template <stream_like S, class F>
class map_stream : public stream_base<map_stream<S, F>, detail::map_result_t<S, F>> {
    using T = item_t<S>;
    using U = detail::map_result_t<S, F>;
    using up_awaiter = decltype(std::declval<S&>().pull());

    struct apply {
        map_stream* self;
        std::optional<U> operator()(std::optional<T>&& v) const {
            if (!v) return std::nullopt;
            try {
                return std::optional<U>(std::invoke(self->f_, std::move(*v)));
            } catch (...) {
                self->up_.reset();  // ended: the upstream goes now, not at destruction
                throw;
            }
        }
    };

public:
    map_stream(S up, F f) : up_(std::in_place, std::move(up)), f_(std::move(f)) {}
    detail::forward_awaiter<up_awaiter, U, apply> pull() {
        return {up_ ? &*up_ : nullptr, apply{this}};
    }

private:
    std::optional<S> up_;  // empty once f has thrown
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

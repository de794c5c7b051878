// inspect(f): calls f(const x&) for each item as it passes, and passes it on unchanged. A
// forwarding stage (no suspension), for logging and counting. If f throws, the exception reaches
// the consumer and the stream has ended: the upstream has been released (destroyed) by then.
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "detail/forward.hpp"
#include "stream_base.hpp"

namespace weir::stream {

template <stream_like S, class F>
class inspect_stream : public stream_base<inspect_stream<S, F>, item_t<S>> {
    using T = item_t<S>;
    using up_awaiter = decltype(std::declval<S&>().pull());

    struct apply {
        inspect_stream* self;
        std::optional<T> operator()(std::optional<T>&& v) const {
            if (v) {
                try {
                    std::invoke(self->f_, std::as_const(*v));
                } catch (...) {
                    self->up_.reset();  // ended: the upstream goes now, not at destruction
                    throw;
                }
            }
            return detail::moved_by_value(v);  // detail/ready.hpp
        }
    };

public:
    inspect_stream(S up, F f) : up_(std::in_place, std::move(up)), f_(std::move(f)) {}
    detail::forward_awaiter<up_awaiter, T, apply> pull() {
        return {up_ ? &*up_ : nullptr, apply{this}};
    }

private:
    std::optional<S> up_;  // empty once f has thrown
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

// take(n): the first n items, then the end. A forwarding stage (detail/forward.hpp): once n
// items have passed it ends without pulling the upstream again, so take(n) over an endless
// source is finite and the source does no extra work. The upstream is released (destroyed) as
// the n-th item passes, so a buffered stage above has cancelled its other tasks and run their
// cleanup before the consumer gets that item; take(0) releases it at its first pull.
#pragma once

#include <cstddef>
#include <optional>
#include <utility>

#include "detail/forward.hpp"
#include "stream_base.hpp"

namespace weir::stream {

template <stream_like S>
class take_stream : public stream_base<take_stream<S>, item_t<S>> {
    using T = item_t<S>;
    using up_awaiter = decltype(std::declval<S&>().pull());

    // Counts items as they come out, not pulls as they start: a pull cancelled before it ran
    // (its scope was already cancelled) does not use up one of the n.
    struct counter {
        take_stream* self;
        std::optional<T> operator()(std::optional<T>&& v) const {
            if (v && --self->left_ == 0) self->up_.reset();
            return detail::moved_by_value(v);  // detail/ready.hpp
        }
    };

public:
    take_stream(S up, std::size_t n) : up_(std::in_place, std::move(up)), left_(n) {}
    detail::forward_awaiter<up_awaiter, T, counter> pull() {
        if (left_ == 0) up_.reset();
        return {up_ ? &*up_ : nullptr, counter{this}};
    }

private:
    std::optional<S> up_;  // empty once the n items have passed
    std::size_t left_;
};

template <class D, class T>
auto stream_base<D, T>::take(std::size_t n) && {
    return take_stream<D>(moved_self(), n);
}

}  // namespace weir::stream

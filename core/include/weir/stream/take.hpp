// take(n): the first n items, then the end. A forwarding stage (detail/forward.hpp): once n
// items have passed it ends without pulling the upstream again, so take(n) over an endless
// source is finite and the source does no extra work.
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

    struct pass {
        std::optional<T> operator()(std::optional<T>&& v) const { return std::move(v); }
    };

public:
    take_stream(S up, std::size_t n) : up_(std::move(up)), left_(n) {}
    detail::forward_awaiter<up_awaiter, T, pass> pull() {
        S* up = nullptr;
        if (left_ > 0) {
            --left_;
            up = &up_;
        }
        return {up, pass{}};
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

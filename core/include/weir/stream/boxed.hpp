// weir::stream::boxed<T>: a stream of T whose concrete type is erased, for streams that cross an
// API boundary (a function returning "some stream of int", a container of streams):
//     weir::stream::boxed<int> evens() { return weir::stream::iter(0, 100).filter(even); }
// Any stream with item type T converts to it implicitly; s.boxed() does it explicitly. It costs
// one frame allocation when made and two coroutine switches per item (it is a generator that
// pulls from the erased stream); a generator<T> is adopted as is, at no cost.
#pragma once

#include <optional>
#include <type_traits>
#include <utility>

#include "generator.hpp"

namespace weir::stream {

namespace detail {
template <class T, class S>
generator<T> box_gen(S s) {
    for (;;) {
        std::optional<T> v = co_await s.pull();
        if (!v) co_return;
        co_yield yield_slot<T>{&v};
    }
}
}  // namespace detail

template <class T>
class boxed : public stream_base<boxed<T>, T> {
public:
    /// An empty boxed stream (pulling from it throws std::logic_error); assign one to use it.
    boxed() = default;
    template <stream_like S>
        requires(!std::is_same_v<std::remove_cvref_t<S>, boxed> && std::is_same_v<item_t<S>, T> &&
                 !std::is_lvalue_reference_v<S>)
    boxed(S&& s) {  // NOLINT: implicit on purpose, like std::function
        if constexpr (std::is_same_v<std::remove_cvref_t<S>, generator<T>>)
            g_ = std::move(s);
        else
            g_ = detail::box_gen<T, std::remove_cvref_t<S>>(std::move(s));
    }

    auto pull() noexcept { return g_.pull(); }

private:
    generator<T> g_;
};

template <class D, class T>
::weir::stream::boxed<T> stream_base<D, T>::boxed() && {
    return ::weir::stream::boxed<T>(moved_self());
}

}  // namespace weir::stream

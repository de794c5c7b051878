// map(f): each item x becomes f(x). A forwarding stage (detail/forward.hpp): f is applied as the
// item comes out of the upstream's pull, so map adds a call, not a suspension. When f returns
// weir::task<U> the items are un-started tasks, run by a following buffered, buffer_unordered or
// spawn_buffered (the futures::stream idiom `map(async fn).buffered(n)`); each task owns its item
// and keeps f alive until it has finished, so f may take the item by reference and the tasks may
// run after the stream is gone (detail/owned_item_task.hpp). If f throws, the exception reaches
// the consumer and the stream has ended: the upstream has been released (destroyed) by then.
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "detail/first_param.hpp"
#include "detail/forward.hpp"
#include "detail/owned_item_task.hpp"
#include "stream_base.hpp"

namespace weir::stream {

namespace detail {
template <class S, class F>
using map_result_t = std::decay_t<std::invoke_result_t<F&, item_t<S>&&>>;

template <class T>
inline constexpr bool is_generator_v = false;
template <class T>
inline constexpr bool is_generator_v<generator<T>> = true;
}  // namespace detail

template <stream_like S, class F>
class map_stream : public stream_base<map_stream<S, F>, detail::map_result_t<S, F>> {
    using T = item_t<S>;
    using U = detail::map_result_t<S, F>;
    using up_awaiter = decltype(std::declval<S&>().pull());

public:
    /// f returns weir::task<V>: its tasks own their items (file comment).
    static constexpr bool makes_tasks = detail::task_value<U>::is_task;
    using holder = detail::fn_holder_for<F, makes_tasks>;

private:
    struct apply {
        map_stream* self;
        std::optional<U> operator()(std::optional<T>&& v) const {
            if (!v) return std::nullopt;
            try {
                if constexpr (makes_tasks)
                    return std::optional<U>(
                        detail::call_owning_item<detail::task_value_t<U>>(self->f_, std::move(*v)));
                else
                    return std::optional<U>(std::invoke(self->f_.get(), std::move(*v)));
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

    // Internal, for buffered and buffer_unordered, which take a map that makes tasks apart and
    // call f themselves on an item their task slot owns (detail/owned_item_task.hpp).
    /// False once the stage has ended (f threw).
    bool has_upstream() const noexcept { return up_.has_value(); }
    S take_upstream() && { return std::move(*up_); }
    holder take_fn() && { return std::move(f_); }

private:
    std::optional<S> up_;  // empty once f has thrown
    holder f_;
};

namespace detail {
/// A map stage whose items are tasks (the kind buffered and buffer_unordered take apart).
template <class S>
inline constexpr bool is_task_map_v = false;
template <class S, class F>
inline constexpr bool is_task_map_v<map_stream<S, F>> = map_stream<S, F>::makes_tasks;
}  // namespace detail

template <class D, class T>
template <class F>
auto stream_base<D, T>::map(F f) && {
    static_assert(std::is_invocable_v<F&, T&&>,
                  "weir::stream::map: f must be callable with the stream's item type");
    using R = std::invoke_result_t<F&, T&&>;
    static_assert(!std::is_void_v<R>,
                  "weir::stream::map: f must return a value (use inspect or for_each for "
                  "side effects)");
    static_assert(!(detail::is_generator_v<std::decay_t<R>> && detail::takes_first_by_reference<F>),
                  "weir::stream::map: f returns a generator and takes the item by reference; the "
                  "generator's body runs after map has handed the item on, so the reference "
                  "would dangle: take the item by value");
    return map_stream<D, F>(moved_self(), std::move(f));
}

}  // namespace weir::stream

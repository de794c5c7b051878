// How a task made by map(f) from an item keeps what it uses alive: the item, and f itself (a
// coroutine lambda's captures live in the lambda object, not in the coroutine's frame). A task
// returned by a coroutine that takes its parameter by reference (`[](const T& x) -> task<U>`)
// holds only a reference to the item, and map's item is a temporary, so on its own the task
// would read a dead item when a later stage runs it; and a task awaited after the stream is gone
// would read freed captures.
//
// Two ways, one rule (the stage owns each item until the task made from it has finished):
// * buffered and buffer_unordered take a map stage apart and call f themselves on an item that
//   the task slot owns (task_slots' owning mode); the slot frees it when the task has finished.
//   No allocation and no reference count: this is the hot path of map(f).buffered(n).
// * anywhere else (the tasks are collected, taken with next(), pass another stage first, or are
//   spawned) map hands out a task that owns them: the item, f's holder and f's task live in one
//   pooled block, which a small wrapper coroutine owns and awaits. f is still called when the
//   item is pulled, on the consumer's thread.
// f is shared with the tasks (std::shared_ptr, one atomic increment a task) unless it has no
// state (an empty class such as a captureless lambda, or a function pointer), when there is
// nothing to keep.
#pragma once

#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include "../../detail/frame_pool.hpp"
#include "../../task.hpp"

namespace weir::stream::detail {

template <class F>
inline constexpr bool stateless_fn =
    std::is_empty_v<F> || std::is_pointer_v<F> || std::is_member_pointer_v<F>;

/// Holds a stage's function: inline, or shared with the tasks it makes (see the file comment).
template <class F, bool Shared>
class fn_holder {
public:
    struct no_keep {};
    explicit fn_holder(F f) : f_(std::move(f)) {}
    F& get() noexcept { return f_; }
    no_keep keep() const noexcept { return {}; }

private:
    F f_;
};

template <class F>
class fn_holder<F, true> {
public:
    explicit fn_holder(F f) : f_(std::make_shared<F>(std::move(f))) {}
    F& get() noexcept { return *f_; }
    std::shared_ptr<F> keep() const noexcept { return f_; }

private:
    std::shared_ptr<F> f_;
};

/// The holder a map stage uses for f.
template <class F, bool MakesTasks>
using fn_holder_for = fn_holder<F, MakesTasks && !stateless_fn<F>>;

/// One pooled block per task: the item, what keeps f alive, and f's task, declared last so that
/// it is destroyed first (it refers to the other two).
template <class T, class Keep, class U>
struct owned_call : weir::detail::pooled {
    owned_call(T&& x, Keep k) : item(std::move(x)), keep(std::move(k)) {}
    T item;
    [[no_unique_address]] Keep keep;
    task<U> inner;
};

template <class T, class Keep, class U>
task<U> run_owned(std::unique_ptr<owned_call<T, Keep, U>> c) {
    co_return co_await std::move(c->inner);
}

/// f(x) as a task that owns x and keeps f alive: f is called now, on x's new home.
template <class U, class H, class T>
task<U> call_owning_item(H& f, T&& x) {
    auto c = std::make_unique<owned_call<T, decltype(f.keep()), U>>(std::move(x), f.keep());
    c->inner = std::invoke(f.get(), std::move(c->item));
    return run_owned(std::move(c));
}

/// For buffered and buffer_unordered over a map stage: calls f on the item a task slot owns.
template <class H>
struct call_on_owned_item {
    H f;
    template <class T>
    auto operator()(T&& x) {
        return std::invoke(f.get(), std::move(x));
    }
};

}  // namespace weir::stream::detail

// spawn_buffered(n): like buffered(n), but each task is spawned onto the runtime's worker pool
// (weir::spawn) instead of running inside the consuming task, so CPU-heavy stages run in
// parallel on all workers; results still come in input order and at most n tasks are in flight.
// Costs a spawn per item. When the stream ends early (error, drop, cancellation), the spawned
// tasks still in flight are aborted: each ends at its next await with its cleanup run, on its
// worker, shortly after (not before the drop returns, unlike buffered). Each spawned task holds a
// reference to the upstream stages, so the functions given to them (a map's coroutine lambda and
// its captures) outlive every task they made; as with weir::spawn, the spawned tasks do not see
// the consumer's task_locals.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>

#include "../join_handle.hpp"
#include "../spawn.hpp"
#include "buffered.hpp"
#include "map.hpp"

namespace weir::stream {

namespace detail {
/// The upstream of spawn_buffered, shared: every spawned task keeps it alive (see below).
template <class S>
class shared_upstream : public stream_base<shared_upstream<S>, item_t<S>> {
public:
    explicit shared_upstream(std::shared_ptr<S> s) noexcept : s_(std::move(s)) {}
    auto pull() { return s_->pull(); }

private:
    std::shared_ptr<S> s_;
};

/// Runs a spawned item task while holding the upstream: the task may be a coroutine lambda of a
/// map stage up there, whose captures live in the lambda object, and an aborted task can still
/// be running its cleanup after the stream was dropped.
template <class U>
task<U> keep_alive(std::shared_ptr<void> keep, task<U> t) {
    co_return co_await t;
}

/// Aborts a spawned task unless it was joined (the stage went away first).
template <class U>
struct abort_unless_joined {
    join_handle<U>* h;
    bool joined = false;
    ~abort_unless_joined() {
        if (!joined) h->abort();
    }
};

template <class U>
task<U> run_spawned(std::shared_ptr<void> keep, task<U> t) {
    join_handle<U> h = weir::spawn(keep_alive<U>(std::move(keep), std::move(t)));
    abort_unless_joined<U> guard{&h};
    U v = co_await h;
    guard.joined = true;
    co_return v;
}

struct spawn_each {
    std::shared_ptr<void> keep;
    template <class U>
    task<U> operator()(task<U>&& t) const {
        return run_spawned<U>(keep, std::move(t));
    }
};
}  // namespace detail

template <class D, class T>
auto stream_base<D, T>::spawn_buffered(std::size_t n) && {
    detail::check_task_items<T>(n, "weir::stream::spawn_buffered");
    auto up = std::make_shared<D>(moved_self());
    using shared = detail::shared_upstream<D>;
    return detail::buffered_gen<detail::task_value_t<T>, false>(
        shared(up), detail::spawn_each{up}, n, detail::stage_name_or("spawn_buffered"));
}

}  // namespace weir::stream

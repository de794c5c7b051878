// spawn_buffered(n): like buffered(n), but each task is spawned onto the runtime's worker pool
// (weir::spawn) instead of running inside the consuming task, so CPU-heavy stages run in
// parallel on all workers; results still come in input order and at most n tasks are in flight.
// Costs a spawn per item. When the stream ends early (error, drop, cancellation), the spawned
// tasks still in flight are aborted: each ends at its next await with its cleanup run, on its
// worker, shortly after (not before the drop returns, unlike buffered).
#pragma once

#include <cstddef>
#include <utility>

#include "../join_handle.hpp"
#include "../spawn.hpp"
#include "buffered.hpp"
#include "map.hpp"

namespace weir::stream {

namespace detail {
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
task<U> run_spawned(task<U> t) {
    join_handle<U> h = weir::spawn(std::move(t));
    abort_unless_joined<U> guard{&h};
    U v = co_await h;
    guard.joined = true;
    co_return v;
}

struct spawn_each {
    template <class U>
    task<U> operator()(task<U>&& t) const {
        return run_spawned<U>(std::move(t));
    }
};
}  // namespace detail

template <class D, class T>
auto stream_base<D, T>::spawn_buffered(std::size_t n) && {
    detail::check_task_items<T>(n, "weir::stream::spawn_buffered");
    return detail::buffered_gen(map_stream<D, detail::spawn_each>(moved_self(), {}), n);
}

}  // namespace weir::stream

// The pull awaiter of forwarding stages (map, inspect, take): it wraps the upstream's pull
// awaiter, suspends exactly when the upstream does, and converts the item as it comes out, so a
// forwarding stage adds a function call to a pull, not a suspension or an allocation. A stage
// that has ended (take's count reached, or its function threw) has released its upstream and
// builds it without an upstream awaiter: it answers std::nullopt at once and never pulls again.
#pragma once

#include <optional>
#include <utility>

#include "../../detail/coro.hpp"
#include "ready.hpp"

namespace weir::stream::detail {

/// A: the upstream's pull awaiter type; U: this stage's item type; Finish: a callable turning the
/// upstream's std::optional item into std::optional<U>.
template <class A, class U, class Finish>
struct forward_awaiter {
    std::optional<A> inner;  // empty: the stage has ended
    Finish finish;

    /// up: the upstream stream, or null once the stage has ended. Built in place because
    /// upstream awaiters may be immovable.
    template <class S>
    forward_awaiter(S* up, Finish f) : finish(std::move(f)) {
        if (up) {
            auto make = [up] { return up->pull(); };
            inner.emplace(emplace_from<decltype(make)>{make});
        }
    }
    forward_awaiter(const forward_awaiter&) = delete;

    bool await_ready() { return !inner || inner->await_ready(); }
    template <class P>
    decltype(auto) await_suspend(coro::coroutine_handle<P> h) {
        return inner->await_suspend(h);
    }
    std::optional<U> await_resume() {
        if (!inner) return std::nullopt;
        auto v = inner->await_resume();
        // The upstream's awaiter is done: gone before finish, which may end the stage and
        // release the upstream it came from (take's n-th item, map's f throwing).
        inner.reset();
        return finish(std::move(v));
    }
};

}  // namespace weir::stream::detail

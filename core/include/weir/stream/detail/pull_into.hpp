// How weir's own stages pull: `co_await pull_into(up, v)` puts the next item into the stage's
// std::optional `v`, or empties it at the end; the stage then tests `v`. The public pull
// protocol (stream_base.hpp) returns the item as a std::optional by value; this is the same pull
// with the value written straight to where the stage keeps it.
//
// Why not `v = co_await up.pull()`: an optional made from a value is written with two stores (the
// value, then the engaged flag), and g++ copies the whole optional right after: from
// await_resume's result into the frame's temporary, from there into `v`. A 16-byte load of bytes
// that two narrower stores have just written cannot be forwarded from the store buffer: the load
// waits until both stores reach the cache, about 6.5 ns each time on this project's hosts (a
// loop of the pattern, 7.5 ns an iteration against 0.9 with loads that each fit one store).
// stream_pipeline paid that several times an item: perf put a third to a half of the samples of
// its three busiest functions (the filter's loop, collect's loop, the buffered stage's pump) on
// the instruction after such a load. Here the item goes from the upstream's slot to `v` field by
// field (the flag, then the value), and nothing copies an optional whole.
//
// The await gives nothing, so that the only way to write it is as a statement of its own,
// `co_await pull_into(up, v); if (!v) ...`. Two compilers failed on the await's result when it
// gave a bool: g++ 12 compiled `if (!co_await pull_into(...))` in the buffered stage's pump (in a
// try block, at -O0) into a coroutine that resumed at an invalid point (ud2); with `bool got =
// co_await pull_into(...)` in the pump, Emscripten 3.1.69's clang 19 crashed three times in
// three (heap corruption, "corrupted double-linked list", in Live Interval Analysis) compiling
// zip's generator over a boxed stream and a vector's.
//
// An upstream awaiter that can do this itself has `void take_into(std::optional<T>&)` in place
// of await_resume (generator's, iter's); any other (a stream written by a user) is awaited as
// usual and its result moved into `v` field by field (ready.hpp's assign_by_value).
#pragma once

#include <optional>
#include <type_traits>
#include <utility>

#include "../../detail/coro.hpp"
#include "ready.hpp"

namespace weir::stream::detail {

template <class A, class T>
struct pull_into_awaiter {
    A inner;
    std::optional<T>* dst;

    template <class S>
    pull_into_awaiter(S& up, std::optional<T>& to)
        : inner(emplace_from<decltype(make(up))>{make(up)}), dst(&to) {}
    pull_into_awaiter(const pull_into_awaiter&) = delete;

    bool await_ready() { return inner.await_ready(); }
    template <class P>
    decltype(auto) await_suspend(coro::coroutine_handle<P> h) {
        return inner.await_suspend(h);
    }
    void await_resume() {
        if constexpr (requires { inner.take_into(*dst); }) {
            inner.take_into(*dst);
        } else {
            auto r = inner.await_resume();
            assign_by_value(*dst, r);
        }
    }

private:
    template <class S>
    static auto make(S& up) {
        return [&up] { return up.pull(); };
    }
};

/// Pulls the next item of up into to (see the file comment): to holds it, or is empty once up
/// has ended. Throws what the pull throws.
template <class S, class T>
pull_into_awaiter<decltype(std::declval<S&>().pull()), T> pull_into(S& up, std::optional<T>& to) {
    return {up, to};
}

}  // namespace weir::stream::detail

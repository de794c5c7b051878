// weir::stream: asynchronous streams of values, pulled one at a time, in the style of Rust's
// futures::stream. This header holds what every stream shares: the pull protocol, the
// `stream_like` concept, and stream_base, the base class that gives every stream the chaining
// adapters (s.map(f).filter(p)...) and the consumers (collect, fold, ...). Each adapter and
// consumer lives in its own header under weir/stream/ and defines its member of stream_base there;
// <weir/stream.hpp> includes them all.
//
// The pull protocol (for people writing their own stream types; most should write a
// weir::stream::generator instead): a stream S has `using item_type = T` and a member `pull()`
// returning an *awaiter* whose co_await gives std::optional<T>: the next item, or std::nullopt
// once the stream has ended. One pull at a time; every pull() must be awaited. After nullopt or an
// exception the stream stays ended. pull() awaiters are plain objects (no coroutine frame), so a
// pull through a chain of forwarding stages (iter, map, take, inspect) costs one await however
// long the chain; stages that must wait or loop are generators: one frame per stage, made once,
// not one per item, and about one more await per item (figures in docs/streams.md).
#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "../task.hpp"

namespace weir {
class cancellation_token;
}

namespace weir::stream {

/// A type that can be pulled from: has item_type and pull() (see the file comment).
template <class S>
concept stream_like = requires(S& s) {
    typename S::item_type;
    s.pull().await_ready();  // pull() gives an awaiter, not a task
};

/// The item type of stream S.
template <stream_like S>
using item_t = typename S::item_type;

template <class T>
class generator;
template <class T>
class boxed;

namespace detail {
template <class T>
struct task_value {
    static constexpr bool is_task = false;
};
template <class T>
struct task_value<weir::task<T>> {
    static constexpr bool is_task = true;
    using type = T;
};
/// For a stream of weir::task<U> items: U.
template <class T>
using task_value_t = typename task_value<T>::type;

template <class T>
inline constexpr bool dependent_false = false;

/// What an adapter's function gives for each item: R itself, or U when R is weir::task<U>.
template <class R>
using awaited_t = typename std::conditional_t<task_value<std::remove_cvref_t<R>>::is_task,
                                              task_value<std::remove_cvref_t<R>>,
                                              std::type_identity<std::remove_cvref_t<R>>>::type;
}  // namespace detail

/// The base of every stream: Derived is the stream type (CRTP), T its item type. Adapters and
/// consumers take the stream by rvalue (write std::move(s).map(f) for a named stream): a stream is
/// consumed by what is built on it, as in Rust.
template <class Derived, class T>
class stream_base {
    static_assert(!std::is_reference_v<T> && !std::is_void_v<T> && !std::is_const_v<T>,
                  "weir::stream: items must be object types (not void, const or references)");

public:
    using item_type = T;

    /// The next item, or std::nullopt once the stream has ended. The stream must outlive the task.
    task<std::optional<T>> next() &;

    // ---- adapters (each in weir/stream/<name>.hpp) ----

    /// Each item x becomes f(x). When f returns weir::task<U>, the items are un-started tasks for
    /// a following buffered/buffer_unordered/spawn_buffered to run.
    template <class F>
    auto map(F f) &&;
    /// Each item x becomes co_await f(x): f returns weir::task<U>; one item at a time.
    template <class F>
    auto then(F f) &&;
    /// Keeps the items for which p(x) is true (p returns bool or weir::task<bool>).
    template <class P>
    generator<T> filter(P p) &&;
    /// f(x) returns std::optional<U> (or a task of it): keeps the values, drops the nullopts.
    template <class F>
    auto filter_map(F f) &&;
    /// Runs up to n of the upstream's tasks at once, inside the consuming task; results in input
    /// order.
    auto buffered(std::size_t n) &&;
    /// Like buffered, but gives results as they finish.
    auto buffer_unordered(std::size_t n) &&;
    /// Like buffered, but spawns each task onto the runtime's workers (parallel, not only
    /// concurrent); results in input order.
    auto spawn_buffered(std::size_t n) &&;
    /// Groups items into std::vector<T> of n (the last may be shorter).
    generator<std::vector<T>> chunks(std::size_t n) &&;
    /// Groups items into std::vector<T> of at most n, handed on when full or when d has passed
    /// since the chunk's first item, whichever is first.
    template <class Rep, class Period>
    generator<std::vector<T>> chunks_timeout(std::size_t n,
                                             std::chrono::duration<Rep, Period> d) &&;
    /// The first n items.
    auto take(std::size_t n) &&;
    /// Everything after the first n items.
    generator<T> skip(std::size_t n) &&;
    /// Items while p(x) holds (p returns bool or weir::task<bool>); ends at the first that fails.
    template <class P>
    generator<T> take_while(P p) &&;
    /// Drops items while p(x) holds (p returns bool or weir::task<bool>); from the first that
    /// fails on, passes every item without calling p again.
    template <class P>
    generator<T> skip_while(P p) &&;
    /// Each item with its position from 0: std::pair<std::size_t, T>.
    generator<std::pair<std::size_t, T>> enumerate() &&;
    /// Items until token is cancelled; the pending pull is then cancelled and the stream ends.
    /// An item the upstream had already given when the token fired is still handed on.
    generator<T> take_until(cancellation_token token) &&;
    /// Pairs items of this stream and other: std::tuple<T, U>; ends with the shorter. Both
    /// sides are pulled at the same time.
    template <stream_like S2>
    generator<std::tuple<T, item_t<S2>>> zip(S2 other) &&;
    /// Items of both streams as they come; ends when both have ended. Both sides are pulled at
    /// the same time, so when both give an item while the consumer is away, one waits inside
    /// merge: dropping the merged stream then destroys it (at most one item per side).
    template <stream_like S2>
    generator<T> merge(S2 other) &&;
    /// This stream's items, then (once it has ended) those of other: same item type.
    template <stream_like S2>
    generator<T> chain(S2 other) &&;
    /// For a stream of streams or ranges: their items, one inner stream after another.
    auto flatten() &&;
    /// For a stream of streams: the items of up to n inner streams at once, as they come.
    auto flatten_unordered(std::size_t n) &&;
    /// map(f).flatten(): f(x) gives a stream or a range for each item.
    template <class F>
    auto flat_map(F f) &&;
    /// Carries state: f(state&, x) returns std::optional<U> (or a task of it); nullopt ends.
    template <class St, class F>
    auto scan(St init, F f) &&;
    /// Calls f(const x&) for each item and passes it on unchanged.
    template <class F>
    auto inspect(F f) &&;
    /// Names the part of the pipeline build(upstream) makes, for the trace: its items in and
    /// out, and the tasks in flight of a buffered stage inside it (stage.hpp).
    template <class F>
    auto stage(std::string_view name, F build) &&;
    /// Each item must arrive within d of being pulled, else the stream ends with weir::timed_out.
    template <class Rep, class Period>
    generator<T> timeout(std::chrono::duration<Rep, Period> d) &&;
    /// The same items, at least d apart (the first at once); the upstream waits meanwhile.
    template <class Rep, class Period>
    generator<T> throttle(std::chrono::duration<Rep, Period> d) &&;
    /// For tasks returning fallible results (weir::expected, std::expected): buffered(n) whose
    /// first error comes out as soon as it happens, ahead of earlier tasks, and ends the stream.
    auto try_buffered(std::size_t n) &&;
    /// For fallible items: their values in results holding std::vector of n; an error item ends
    /// the chunk, which comes out first (shorter), then the error; the stream goes on after it.
    auto try_chunks(std::size_t n) &&;
    /// A stream with peek(): the next item without taking it (peekable.hpp).
    auto peekable() &&;
    /// Erases the stream's type: boxed<T>, for streams that cross an API.
    ::weir::stream::boxed<T> boxed() &&;

    // ---- consumers (tasks; each in weir/stream/<name>.hpp) ----

    /// All items, in a std::vector<T>.
    task<std::vector<T>> collect() &&;
    /// All items, in any container with push_back (or insert).
    template <class C>
    task<C> collect() &&;
    /// acc = f(std::move(acc), x) for every item (f returns Acc or weir::task<Acc>).
    template <class Acc, class F>
    task<Acc> fold(Acc init, F f) &&;
    /// Calls f(x) for every item, one at a time (f returns anything or a task).
    template <class F>
    task<void> for_each(F f) &&;
    /// Calls f(x), which returns a weir::task, for up to n items at once.
    template <class F>
    task<void> for_each_concurrent(std::size_t n, F f) &&;
    /// The number of items.
    task<std::size_t> count() &&;
    /// T{} + every item.
    task<T> sum() &&;
    /// Whether p(x) holds for some item; stops at the first that does (false when empty).
    template <class P>
    task<bool> any(P p) &&;
    /// Whether p(x) holds for every item; stops at the first that does not (true when empty).
    template <class P>
    task<bool> all(P p) &&;

    /// For fallible items: every value in a std::vector, or the first error (a result of either).
    auto try_collect() &&;
    /// For fallible items: f(value) for each, one at a time; stops at the first error, from an
    /// item or returned by f (f returns void, a fallible result or a task of either).
    template <class F>
    auto try_for_each(F f) &&;

protected:
    Derived& self() noexcept { return static_cast<Derived&>(*this); }
    Derived&& moved_self() noexcept { return static_cast<Derived&&>(*this); }
};

}  // namespace weir::stream

// What buffered, buffer_unordered, spawn_buffered and for_each_concurrent share: a child pool, a
// pump pulling the upstream and up to n task slots, declared so that on every way out (end,
// error, drop) the children are cancelled and drained before any of them is destroyed; and the
// loop that keeps the window full. With OwnItems the slots own the upstream's items and the
// tasks are made from the slots' copies (task_slots.hpp): for_each_concurrent, and buffered or
// buffer_unordered over a map stage they took apart.
#pragma once

#include <cstddef>
#include <exception>
#include <type_traits>
#include <utility>

#include "child_pool.hpp"
#include "pump.hpp"
#include "task_slots.hpp"

namespace weir::stream::detail {

template <class S, class U, bool OwnItems = false>
struct task_window {
    child_pool pool;
    pump<S> src;
    task_slots<U, std::conditional_t<OwnItems, item_t<S>, void>> slots;
    drain_on_exit guard;  // last member: runs first on destruction

    /// track_finished: record finished slots in completion order (unordered consumers).
    /// name: the trace's name for its tasks in flight.
    task_window(S&& up, std::size_t n, bool track_finished, const char* name)
        : src(std::move(up), pool), slots(pool, n, track_finished, name), guard(pool) {}

    /// Starts tasks make(item) while a slot is free and the upstream answers at once; calls
    /// started(slot index) for each. The pump is asked only when a slot is free, so an item it
    /// brings later always finds one: at most n items are in the window. With OwnItems, make
    /// gets the slot's item, and if it throws, that is the upstream failing (make is the map
    /// stage's f): the pump ends with that error, in the place the map's own error would have.
    template <class Make, class Started>
    void fill(Make&& make, Started&& started) {
        while (slots.has_free() && !src.ended()) {
            if (src.idle()) src.request();
            if (!src.has_item()) break;
            if constexpr (OwnItems) {
                std::size_t i;
                try {
                    i = slots.start(src.take(), make);
                } catch (...) {
                    src.fail(std::current_exception());
                    break;
                }
                started(i);
            } else {
                started(slots.start(make(src.take())));
            }
        }
    }
};

/// For fill: the upstream's items are the tasks themselves.
struct as_is {
    template <class X>
    X&& operator()(X&& x) const noexcept {
        return std::forward<X>(x);
    }
};
/// For fill: nothing to do per started task.
struct ignore_index {
    void operator()(std::size_t) const noexcept {}
};

}  // namespace weir::stream::detail

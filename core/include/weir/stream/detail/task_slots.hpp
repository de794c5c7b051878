// n reusable slots that run weir::task<T> jobs as children of a child_pool: the tasks in flight
// of buffered, buffer_unordered, spawn_buffered and for_each_concurrent. A finished job leaves
// its value (or exception) in its slot and its index in `finished` (completion order); its task
// frame is freed at once. Everything here runs on the stage's thread (see child_pool.hpp).
#pragma once

#include <cstddef>
#include <deque>
#include <exception>
#include <optional>
#include <type_traits>
#include <variant>
#include <vector>

#include "../../task.hpp"
#include "child_coro.hpp"

namespace weir::stream::detail {

template <class T>
class task_slots {
    using value_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

public:
    struct slot {
        task<T> job;
        std::optional<value_t> value;
        std::exception_ptr error;
        bool busy = false;
        child_handle child;
    };

    /// track_finished: record finished indices in `finished` (for unordered consumers).
    task_slots(child_pool& pool, std::size_t n, wd::local_binding* locals, bool track_finished)
        : pool_(pool), slots_(n), track_(track_finished) {
        free_.reserve(n);
        for (std::size_t i = n; i-- > 0;) {
            free_.push_back(i);
            slots_[i].child.prime(run_slot(this, i), pool_, locals);
        }
    }
    task_slots(const task_slots&) = delete;
    task_slots& operator=(const task_slots&) = delete;

    /// Jobs started and not yet taken (running or finished).
    std::size_t in_use() const noexcept { return slots_.size() - free_.size(); }
    bool has_free() const noexcept { return !free_.empty(); }

    /// Starts t in a free slot (runs it until it first suspends); returns the slot's index.
    std::size_t start(task<T>&& t) {
        std::size_t i = free_.back();
        free_.pop_back();
        slot& s = slots_[i];
        s.job = std::move(t);
        s.busy = true;
        ++pool_.busy;
        pool_.start(s.child.get());
        return i;
    }
    bool done(std::size_t i) const noexcept { return !slots_[i].busy; }
    slot& at(std::size_t i) noexcept { return slots_[i]; }
    /// Frees slot i (after its value or error was taken).
    void release(std::size_t i) noexcept {
        slots_[i].value.reset();
        slots_[i].error = nullptr;
        free_.push_back(i);
    }
    /// Indices of finished jobs, in the order they finished (for unordered consumers).
    std::deque<std::size_t> finished;

private:
    static child_coro run_slot(task_slots* self, std::size_t i) {
        for (;;) {
            co_await park{};
            slot& s = self->slots_[i];
            try {
                if constexpr (std::is_void_v<T>) {
                    co_await s.job;
                    s.value.emplace();
                } else {
                    s.value.emplace(co_await s.job);
                }
            } catch (...) {
                s.error = std::current_exception();
            }
            s.job = task<T>();  // the task's frame (and its locals) go now
            s.busy = false;
            --self->pool_.busy;
            if (self->track_) self->finished.push_back(i);
        }
    }

    child_pool& pool_;
    std::vector<slot> slots_;
    std::vector<std::size_t> free_;
    bool track_;
};

}  // namespace weir::stream::detail

// Up to n reusable slots that run weir::task<T> jobs as children of a child_pool: the tasks in
// flight of buffered, buffer_unordered, spawn_buffered and for_each_concurrent. A finished job
// leaves its value (or exception) in its slot, and, for unordered consumers, its index in the
// finished FIFO; its task frame is freed at once. Slots (and their child coroutine frames) are
// made on first use, so buffered(1 << 20) over a short stream costs only what it uses; each is
// its own allocation because a running child holds a pointer to its slot (a std::deque gave the
// same stability, but its indexing was 9% of stream_pipeline). Everything here runs on
// the stage's thread (see child_pool.hpp).
//
// With Item (not void) the slots own the items their jobs are made from: start(x, make) moves x
// into the slot and makes the job from the slot's copy, which is freed only when the job has
// finished, so a job may refer to its item (a coroutine taking `const T&`). That is how
// for_each_concurrent and buffered over a map keep each item alive as long as its task
// (owned_item_task.hpp).
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <variant>
#include <vector>

#include "../../detail/trace_hooks.hpp"
#include "../../task.hpp"
#include "../../trace.hpp"
#include "child_coro.hpp"

namespace weir::stream::detail {

template <class I>
struct slot_item {
    using type = std::optional<I>;
};
template <>
struct slot_item<void> {
    using type = std::monostate;
};

/// Awaits a slot's job and gives its outcome, a value or an exception, without throwing it
/// (run_slot says why). The job is never empty here (run_slot checks). Uncancellable for
/// await_transform, because the check is here instead, where the await really begins: also when
/// the budget deferred it and the task's next run starts it (budget_awaiter::retry). A cancelled
/// scope does not start the job; its outcome is then operation_cancelled. A running job sees a
/// cancellation through its own awaits.
template <class T>
struct settled_job : wd::uncancellable_await {
    typename task<T>::awaiter inner;
    bool await_ready() const noexcept { return inner.h.done(); }
    template <class P>
    wd::suspend_t await_suspend(coro::coroutine_handle<P> h) noexcept {
        wd::cancel_state* c = h.promise().ctx.cancel;
        if (c && c->is_cancelled()) [[unlikely]] {
            inner.h.promise().value.set_exception(cancelled_error());
            return wd::resume_self(h);
        }
        return inner.await_suspend(h);
    }
    wd::result<T>& await_resume() const noexcept { return inner.h.promise().value; }

    [[gnu::noinline]] static std::exception_ptr cancelled_error() noexcept {
        return std::make_exception_ptr(operation_cancelled());
    }
};

template <class T, class Item = void>
class task_slots {
    using value_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;
    static constexpr bool owns_items = !std::is_void_v<Item>;

public:
    struct slot {
        task<T> job;
        std::optional<value_t> value;
        std::exception_ptr error;
        bool busy = false;
        [[no_unique_address]] typename slot_item<Item>::type item;  // owning: job's item
        child_handle child;
    };

    /// track_finished: record finished indices in completion order (see pop_finished).
    /// name: what the trace calls the tasks in flight (stage_name.hpp); nullptr: not traced.
    task_slots(child_pool& pool, std::size_t n, bool track_finished, const char* name)
        : pool_(pool), capacity_(n), track_(track_finished), name_(name) {}
    task_slots(const task_slots&) = delete;
    task_slots& operator=(const task_slots&) = delete;

    /// Jobs started and not yet released (running, or finished and not yet taken).
    std::size_t in_use() const noexcept { return slots_.size() - free_count_; }
    bool has_free() const noexcept { return free_count_ != 0 || slots_.size() < capacity_; }

    /// Starts t in a free slot (runs it until it first suspends); returns the slot's index.
    std::size_t start(task<T>&& t) requires(!owns_items) {
        std::size_t i = claim();
        slots_[i]->job = std::move(t);
        launch(i);
        return i;
    }
    /// Owning: moves x into a free slot and starts make(std::move(slot's item)) there. If make
    /// throws, the slot is free again and the exception propagates.
    template <class Make, class I = Item>  // I: Item, named so that Item = void compiles
        requires owns_items std::size_t start(std::type_identity_t<I>&& x, Make& make) {
            std::size_t i = claim();
            slot& s = *slots_[i];
            s.item.emplace(std::move(x));
            try {
                s.job = make(std::move(*s.item));
            } catch (...) {
                s.item.reset();
                book_[free_count_++] = i;  // room made in claim
                throw;
            }
            launch(i);
            return i;
        }
    bool done(std::size_t i) const noexcept { return !slots_[i]->busy; }
    slot& at(std::size_t i) noexcept { return *slots_[i]; }
    /// Frees slot i (after its value or error was taken).
    void release(std::size_t i) noexcept {
        slots_[i]->value.reset();
        // Only when set: assigning an exception_ptr is an out-of-line reference count in libc++
        // (2-3% of the event-loop build's stream_pipeline, for a pointer that is almost always
        // null).
        if (slots_[i]->error) slots_[i]->error = nullptr;
        assert(free_count_ < ring_);  // a slot released twice would overwrite the ring
        book_[free_count_++] = i;     // room made in claim
        if (name_ && weir::detail::trace_any())
            weir::detail::trace_named(trace::kind::stage_in_flight, name_, in_use());
    }
    /// With track_finished: the index of the job that finished first and was not popped yet.
    std::optional<std::size_t> pop_finished() noexcept {
        if (finished_count_ == 0) return std::nullopt;
        std::size_t i = book_[ring_ + finished_head_];
        finished_head_ = (finished_head_ + 1) % ring_;
        --finished_count_;
        return i;
    }

private:
    /// A free slot's index; makes a slot (and its child) if none is free.
    std::size_t claim() {
        if (free_count_ != 0) return book_[--free_count_];
        return add_slot();
    }
    /// Makes a slot and its child: once per slot, out of line so that claim stays small.
    [[gnu::noinline]] std::size_t add_slot() {
        std::size_t i = slots_.size();
        grow_bookkeeping(i + 1);
        slots_.push_back(std::make_unique<slot>());
        slots_[i]->child.prime(run_slot(this, slots_[i].get(), i), pool_);
        return i;
    }
    /// Runs slot i's job until it first suspends.
    void launch(std::size_t i) {
        slot& s = *slots_[i];
        s.busy = true;
        ++pool_.busy;
        if (name_ && weir::detail::trace_any())
            weir::detail::trace_named(trace::kind::stage_in_flight, name_, in_use());
        pool_.start(s.child.get());
    }

    /// Room for n slot indices in the free stack and in the finished ring, so that recording a
    /// finish (inside a child, noexcept) or a release never allocates. Grows geometrically; keeps
    /// the ring's order. One plain array for both, so that nothing here needs an exception
    /// handler: clang 19's wasm backend emitted invalid wasm (binaryen: "invalid delegate") for
    /// this function when it held vectors' growth paths.
    void grow_bookkeeping(std::size_t n) {
        if (ring_ >= n) return;
        std::size_t cap = std::min(capacity_, std::max(n, 2 * ring_));
        std::unique_ptr<std::size_t[]> book(new std::size_t[2 * cap]);
        std::copy_n(book_.get(), free_count_, book.get());
        for (std::size_t k = 0; k < finished_count_; ++k)
            book[cap + k] = book_[ring_ + (finished_head_ + k) % ring_];
        book_ = std::move(book);
        ring_ = cap;
        finished_head_ = 0;
    }

    void record_finished(std::size_t i) noexcept {
        // A ring of one entry per slot: a slot is in it at most once (until popped, then freed).
        book_[ring_ + (finished_head_ + finished_count_) % ring_] = i;
        ++finished_count_;
    }

    // The child of a slot: runs each job it is given and keeps its outcome in the slot. The job
    // is awaited through settled_job, which gives the outcome (a value or an exception) instead
    // of throwing it, so the loop holds no try/catch around an await: clang 19's wasm backend
    // turned that shape, once the awaits inlined into it, into wasm that binaryen rejects
    // ("invalid delegate"). An empty job is the one error found before the await.
    static child_coro run_slot(task_slots* self, slot* sp, std::size_t i) {
        for (;;) {
            co_await park{};
            slot& s = *sp;
            if (!s.job) [[unlikely]] {
                s.error = empty_job_error();
            } else {
                wd::result<T>& r = co_await settled_job<T>{{}, s.job.operator co_await()};
                if (r.has_exception()) [[unlikely]]
                    s.error = r.exception();
                else
                    take_value(s, r);
            }
            s.job = task<T>();                         // the task's frame (and its locals) go now
            if constexpr (owns_items) s.item.reset();  // then the item it may refer to
            s.busy = false;
            --self->pool_.busy;
            if (self->track_) self->record_finished(i);
        }
    }
    static void take_value(slot& s, wd::result<T>& r) noexcept {
        if constexpr (std::is_nothrow_move_constructible_v<value_t>) {
            s.value.emplace(r.take_value());
        } else {
            try {  // a value whose move throws: the exception takes the value's place
                s.value.emplace(r.take_value());
            } catch (...) {
                s.error = std::current_exception();
            }
        }
    }
    [[gnu::noinline]] static std::exception_ptr empty_job_error() noexcept {
        return std::make_exception_ptr(std::logic_error(wd::empty_task_awaited));
    }

    child_pool& pool_;
    std::size_t capacity_;
    bool track_;
    const char* name_;
    std::vector<std::unique_ptr<slot>> slots_;
    // Two halves of one array (grow_bookkeeping), ring_ entries each, at least one per slot
    // made: the free slot indices, a stack of free_count_ entries (a release writes one entry,
    // with no growth path to inline: vector::push_back's was), then the ring of finished slots.
    std::unique_ptr<std::size_t[]> book_;
    std::size_t ring_ = 0;
    std::size_t free_count_ = 0;
    std::size_t finished_head_ = 0;
    std::size_t finished_count_ = 0;
};

}  // namespace weir::stream::detail

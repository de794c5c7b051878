// The concurrency inside a stream stage (buffered, buffer_unordered, spawn_buffered, merge,
// take_until, for_each_concurrent): a small executor of its own, like the FuturesUnordered inside
// Rust's Buffered. Its children (the upstream pump, the tasks in flight) are coroutines whose
// context names the pool's own task_header, so when a child is woken (timer, channel, I/O) its node
// goes to the pool, not to the consuming task. The pool then signals the stage, and the stage
// resumes the woken children itself, on its own thread, inside the consuming task's run (drain()).
//
// Why not run the children directly as coroutines of the consuming task (as join does)? Because a
// stream can be dropped while children are suspended, and a woken child's node on the task's
// ready stack cannot be taken back. Here nothing of a child ever leaves the pool: dropping a stage
// cancels its children and drains the pool until every child has finished its cleanup
// (cancel_and_drain), synchronously, in the destructor. That also gives Rust's semantics: in-flight
// work makes progress only while its stream is being pulled (spawn_buffered's children only
// await spawned tasks, which run on the workers regardless).
//
// Threads: children run only on the stage's thread (inside start/drain), so the children's
// bookkeeping needs no atomics. Only schedule() (a child woken from another thread) and the
// stage's wait() meet across threads, under a spin lock.
#pragma once

#include <atomic>
#include <cstddef>
#include <thread>
#include <utility>

#include "../../detail/leaf_waiter.hpp"
#include "../../detail/promise_base.hpp"
#include "../../detail/spin_lock.hpp"
#include "../../detail/task_header.hpp"

namespace weir::stream::detail {

namespace wd = weir::detail;

class child_pool final : public wd::executor {
public:
    child_pool() noexcept : header_(&vtable_) { header_.exec = this; }
    child_pool(const child_pool&) = delete;
    child_pool& operator=(const child_pool&) = delete;
    // The owner must have called cancel_and_drain (every child finished) before destruction.
    // schedule() and on_cancel wake the stage under lock_: see spin_lock::quiesce.
    ~child_pool() { lock_.quiesce(); }

    /// The context children run in: the pool's header and cancellation scope, and the task_locals
    /// of whoever is driving the stage right now. Those change from pull to pull (a stream can be
    /// pulled inside one task_local::scope and later outside it), so children see an anchor
    /// binding that matches no key and whose `next` is re-pointed at the driver's bindings each
    /// time the stage runs them (start, drain).
    wd::task_ctx child_ctx() noexcept { return {&header_, &cancel_, &anchor_}; }

    /// Children that have work in progress (maintained by the owner; see task_slots and pump).
    std::size_t busy = 0;

    /// Resumes child coroutine h until it first suspends, here and now.
    void start(coro::coroutine_handle<> h) {
        wd::promise_base* saved = wd::this_thread.current;
        anchor_.next = saved ? saved->ctx.locals : nullptr;
        wd::resume_and_drain(h);
        wd::this_thread.current = saved;
    }

    /// Resumes every woken child, and those they wake, until none is ready or the consuming
    /// task's budget is spent (then the rest waits for the next drain: see wait()). Only called
    /// once schedule() has signalled or after a backlog (see cancel_and_drain for why).
    void drain() {
        wd::promise_base* saved = wd::this_thread.current;
        anchor_.next = saved ? saved->ctx.locals : nullptr;
        for (;;) {
            wd::resume_node* n = header_.take_ready();
            while (n) {
                wd::resume_node* next = n->next;  // n lives in a child's frame
                wd::run_node(n);
                n = next;
            }
            if (header_.try_idle()) {
                backlog_ = false;
                break;
            }
            if (wd::this_thread.budget <= 0) {
                header_.pause();
                backlog_ = true;
                break;
            }
        }
        wd::this_thread.current = saved;
    }

    /// For stages that keep going without waiting (merge with a ready side): drains if some child
    /// was woken meanwhile, so a slow side is not starved by a fast one. Costs one load when
    /// nothing happened.
    void poll() {
        if (!backlog_) {
            if (!signalled_.load(std::memory_order_relaxed)) return;
            lock_.lock();
            bool s = signalled_.exchange(false, std::memory_order_relaxed);
            lock_.unlock();
            if (!s) return;
        }
        drain();
    }

    /// Awaited by the stage when it can make no progress: completes (after draining the pool)
    /// once some child was woken. Cancellable, like any wait.
    struct wait_awaiter : wd::leaf_waiter {
        child_pool* pool;
        bool registered = false;

        explicit wait_awaiter(child_pool* p) noexcept : pool(p) {}
        wait_awaiter(const wait_awaiter&) = delete;
        ~wait_awaiter() {
            if (registered) {
                pool->lock_.lock();
                if (pool->waiter_ == this) pool->waiter_ = nullptr;
                pool->lock_.unlock();
            }
            disarm();
        }
        bool await_ready() const noexcept { return false; }
        template <class P>
        bool await_suspend(coro::coroutine_handle<P> h) {
            prepare(h, "stream stage tasks");
            // Owned: woken children are waiting to be drained without a further signal.
            bool owned = pool->backlog_;
            if (!owned) {
                pool->lock_.lock();
                if (pool->signalled_.load(std::memory_order_relaxed)) {
                    pool->signalled_.store(false, std::memory_order_relaxed);
                    owned = true;
                } else {
                    pool->waiter_ = this;
                    registered = true;
                }
                pool->lock_.unlock();
            }
            if (!owned) {
                arm(&on_cancel);
                return true;
            }
            if (wd::this_thread.budget <= 0) {
                // The task's budget is spent: let the worker run something else first, then
                // drain (await_resume). Without this a stage whose children keep waking each
                // other would never give way.
                pool->backlog_ = true;
                header->yield(&node);
                return true;
            }
            return false;  // drain now, in await_resume
        }
        void await_resume() {
            registered = false;
            finish();
            pool->drain();
        }
        static void on_cancel(wd::cancel_callback* cb) noexcept {
            auto* self = static_cast<wait_awaiter*>(cb);
            child_pool* p = self->pool;
            p->lock_.lock();
            if (p->waiter_ == self) {
                p->waiter_ = nullptr;
                self->cancelled = true;
                self->wake();  // under the lock: see leaf_waiter.hpp
            }
            p->lock_.unlock();
        }
    };
    wait_awaiter wait() noexcept { return wait_awaiter{this}; }

    /// Cancels every child and resumes them until `busy` reaches 0, i.e. every child has run its
    /// cleanup. Children are woken by their cancelled waits; one that another thread has just
    /// claimed (a timer firing right now) is woken by that thread a moment later, so the loop
    /// yields the thread until it arrives.
    ///
    /// Like wait(), it drains only after schedule() has signalled (or after its own drain left
    /// a backlog): a waker calls schedule() after its wake has landed, so a pool drained
    /// without that signal could be destroyed under a waker that is about to call it. Once busy
    /// is 0 no child is registered anywhere and no wake is on its way.
    void cancel_and_drain() noexcept {
        cancel_.cancel();
        int budget = wd::this_thread.budget;
        wd::this_thread.budget = 1 << 30;
        wd::promise_base* saved = wd::this_thread.current;
        wd::this_thread.current = nullptr;  // cleanup runs without the driver's task_locals
        while (busy != 0) {
            lock_.lock();
            bool signalled = signalled_.exchange(false, std::memory_order_relaxed);
            lock_.unlock();
            if (signalled || backlog_)
                drain();
            else
                std::this_thread::yield();
        }
        wd::this_thread.current = saved;
        wd::this_thread.budget = budget;
    }

private:
    // executor: the pool's header went from idle to woken (any thread).
    void schedule(wd::task_header*, bool) noexcept override {
        lock_.lock();
        if (wait_awaiter* w = waiter_) {
            waiter_ = nullptr;
            w->wake();  // under the lock: see leaf_waiter.hpp
        } else {
            signalled_.store(true, std::memory_order_relaxed);
        }
        lock_.unlock();
    }
    static void never_run(wd::task_header*) noexcept {}
    static constexpr wd::task_vtable vtable_{&never_run, &never_run};

    wd::task_header header_;
    wd::cancel_state cancel_;
    wd::spin_lock lock_;
    wd::local_binding anchor_{this, nullptr, nullptr};  // see child_ctx
    wait_awaiter* waiter_ = nullptr;                    // guarded by lock_
    std::atomic<bool> signalled_{false};  // written under lock_; poll() peeks without it
    bool backlog_ = false;                // stage thread only
};

}  // namespace weir::stream::detail

namespace weir::stream::detail {

/// Declared after a stage's children: on every way out of the stage (end, exception, the stream
/// being dropped) it cancels and drains them before they are destroyed.
struct drain_on_exit {
    child_pool& pool;
    explicit drain_on_exit(child_pool& p) noexcept : pool(p) {}
    drain_on_exit(const drain_on_exit&) = delete;
    ~drain_on_exit() { pool.cancel_and_drain(); }
};

}  // namespace weir::stream::detail

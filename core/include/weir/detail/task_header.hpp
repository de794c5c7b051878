// The schedulable unit. A spawned task (or the task given to block_on) is a chain of coroutines
// that share one task_header. Wakers never resume a coroutine directly: they push a resume_node
// (which lives inside the suspended frame, so waking never allocates) onto the header's ready
// stack and, if the task was idle, hand the header to its executor. A worker that pops the header
// runs it: it resumes every ready coroutine of the task, one after the other, on its own thread.
//
// So a task is never running on two threads at once, even when it runs several branches
// concurrently (join, select): branches are interleaved inside one run, exactly like the futures
// inside one tokio task. Everything only touched by a running task needs no synchronisation.
//
// State protocol: ONE atomic word holds the ready stack's top pointer and two flag bits in the
// pointer's low bits (resume_nodes are 8-aligned), so a wake is a single CAS. That matters for
// lifetime: the moment a waker's CAS lands, a runner may take its node, finish the task and free
// the header, so a waker must not touch the header after its CAS unless it is the one that
// schedules it (and an idle, unscheduled task cannot run, so it is still alive then).
//   wake:  CAS word -> (node | old flags | NOTIFIED), node->next = old top. If the old flags were
//          0 (idle and not queued) the waker schedules the header; otherwise the queue or the
//          runner will see the node.
//   run:   exchange(word, RUNNING) takes the whole stack and clears NOTIFIED (no ABA: always taken
//          whole), resume each node; then CAS RUNNING -> 0. If that fails a wake arrived
//          meanwhile: loop, or, once the task yielded or spent its budget, clear RUNNING (keeping
//          the new nodes and NOTIFIED) and requeue it at the back.
#pragma once

#include <atomic>
#include <cstdint>

#include "abi.hpp"  // WEIR_SYMMETRIC_TRANSFER
#include "cancel_state.hpp"
#include "coro.hpp"
#include "intrusive_list.hpp"

namespace weir::detail {

class task_header;

/// One suspended coroutine waiting to be resumed by its task's next run. A node without a handle
/// is a deferred_node.
struct alignas(8) resume_node {
    resume_node* next = nullptr;
    coro::coroutine_handle<> handle;
};

/// An await that gave way before it started because its task's budget was spent
/// (promise_base.hpp): the run calls retry_fn, which starts the await, instead of resuming.
struct deferred_node : resume_node {
    void (*retry_fn)(resume_node*) noexcept = nullptr;
};

/// Where a woken task is queued: the worker pool, or the thread inside block_on.
class executor {
public:
    /// Queue t to be run. yield: t gave way voluntarily (yield_now, spent budget), so it goes
    /// to the back of a queue rather than into the LIFO slot.
    virtual void schedule(task_header* t, bool yield) noexcept = 0;
    /// t waited on something (what: e.g. "a notify") that was destroyed with t's waker in it:
    /// a lost waker, for the runtime to report (metrics, trace, watch). t is still alive.
    virtual void lost_waker(task_header* t, const char* what) noexcept;
    /// t's run is ending with t unfinished for the first time (t->track_on_pause was set): from
    /// now on nothing but a wake brings it back, so the executor keeps it where shutdown and task
    /// dumps find it (the runtime's registry). Called by the thread running t, before t can be
    /// woken into another run.
    virtual void track(task_header* t) noexcept;

protected:
    ~executor() = default;
};

/// Per-type operations of a header, so the scheduler stays non-template.
struct task_vtable {
    /// The outermost frame completed; publish the result, release the runtime's reference.
    void (*finish)(task_header*) noexcept;
    /// The runtime is shutting down and the task never finished: destroy its frames.
    void (*shutdown)(task_header*) noexcept;
};

/// Cooperative budget: how many awaits a task may make in one run before it is made to yield
/// (tokio's constant; large enough that yielding costs nothing measurable, small enough that a
/// task that never blocks cannot hold a worker for long).
inline constexpr int coop_budget = 128;

struct thread_state {
    int budget = 1 << 30;                    // unlimited outside a task run
    coro::coroutine_handle<> pending;        // trampoline mode only: the next coroutine to resume
    struct promise_base* current = nullptr;  // the coroutine running on this thread
    class runtime_core* runtime = nullptr;   // set on worker and block_on threads
    void* worker = nullptr;                  // the worker this thread is, if any
    /// Set by a run that may have been long, where the event-loop build's slice cannot tell
    /// (it reads the clock only after every 32nd short run): the slice reads it after this run.
    /// The npm bindings set it after each job of JavaScript calls.
    bool long_run = false;
    // Not here: the thread's block of task ids (scheduler.cpp, next_task_id). block_on and the
    // event loop save this state and restore it afterwards, and ids taken in between would
    // have been handed out again.
};
inline thread_local thread_state this_thread;

// Symmetric transfer (an await_suspend returning the next coroutine's handle) is how weir hands
// control between coroutines without growing the stack; where the compiler cannot be trusted with
// its tail calls (detail/abi.hpp, WEIR_SYMMETRIC_TRANSFER), a trampoline does it instead.
#if WEIR_SYMMETRIC_TRANSFER
/// What weir's await_suspend functions return.
using suspend_t = coro::coroutine_handle<>;
/// Suspend and continue with h.
inline suspend_t transfer_to(coro::coroutine_handle<> h) noexcept { return h; }
/// Suspend; something else resumes us later.
inline suspend_t suspend_now() noexcept { return coro::noop_coroutine(); }
/// Do not suspend after all: h (the awaiting coroutine) continues at once.
inline suspend_t resume_self(coro::coroutine_handle<> h) noexcept { return h; }
#else
using suspend_t = bool;
inline suspend_t transfer_to(coro::coroutine_handle<> h) noexcept {
    this_thread.pending = h;
    return true;
}
inline suspend_t suspend_now() noexcept { return true; }
inline suspend_t resume_self(coro::coroutine_handle<>) noexcept { return false; }
#endif

/// Resumes h from a run loop (or a combinator starting a branch), then, in trampoline mode, every
/// coroutine it transferred to.
inline void resume_and_drain(coro::coroutine_handle<> h) {
    h.resume();
#if !WEIR_SYMMETRIC_TRANSFER
    while (this_thread.pending) {
        coro::coroutine_handle<> next = this_thread.pending;
        this_thread.pending = nullptr;
        next.resume();
    }
#endif
}

/// What a run does with a node taken from the ready stack: resume its coroutine, or start the
/// deferred await it stands for. One well-predicted branch on a word the resume loads anyway.
inline void run_node(resume_node* n) {
    if (n->handle) [[likely]]
        resume_and_drain(n->handle);
    else
        static_cast<deferred_node*>(n)->retry_fn(n);
}

inline void executor::lost_waker(task_header*, const char*) noexcept {}
inline void executor::track(task_header*) noexcept {}

class task_header : public list_hook {
public:
    static constexpr std::uintptr_t notified = 1;
    static constexpr std::uintptr_t running = 2;
    static constexpr std::uintptr_t flag_mask = 3;

    explicit task_header(const task_vtable* vt) noexcept : vt_(vt) {}
    task_header(const task_header&) = delete;
    task_header& operator=(const task_header&) = delete;

    /// Makes node's coroutine runnable. Thread-safe; never resumes inline.
    void wake(resume_node* n) noexcept {
        std::uintptr_t old = word_.load(std::memory_order_relaxed);
        std::uintptr_t next;
        do {
            n->next = reinterpret_cast<resume_node*>(old & ~flag_mask);
            next = reinterpret_cast<std::uintptr_t>(n) | (old & flag_mask) | notified;
        } while (!word_.compare_exchange_weak(old, next, std::memory_order_acq_rel,
                                              std::memory_order_relaxed));
        if ((old & flag_mask) == 0) exec->schedule(this, false);  // only now may we touch *this
    }

    /// Queues the task for its first run with `start` as the only ready coroutine.
    void start(resume_node* start_node) noexcept { wake(start_node); }

    /// Runs the task until nothing of it is ready, it yields, or it completes (in which case the
    /// header may be freed before run returns). Called by exactly one thread at a time.
    void run() noexcept;

    /// Called by a coroutine of this task (from inside run) that wants to give way: node goes on
    /// the ready stack and the task is requeued at the back once the current run ends.
    void yield(resume_node* n) noexcept {
        yielded_ = true;
        wake(n);
    }

    /// For a nested executor that drains this header itself (stream stages, see
    /// stream/detail/child_pool.hpp): marks the header running and takes every ready node, in
    /// the order they were woken. Wakes arriving meanwhile queue up and do not schedule it.
    resume_node* take_ready() noexcept {
        std::uintptr_t taken = word_.exchange(running, std::memory_order_acq_rel);
        resume_node* list = reinterpret_cast<resume_node*>(taken & ~flag_mask);
        // The stack is LIFO; reverse it so coroutines resume in the order they were woken.
        resume_node* fifo = nullptr;
        while (list) {
            resume_node* next = list->next;
            list->next = fifo;
            fifo = list;
            list = next;
        }
        return fifo;
    }
    /// After take_ready: back to idle if nothing was woken meanwhile (then true; the next wake
    /// schedules the header again). False: new nodes are waiting, the header is still running.
    bool try_idle() noexcept {
        std::uintptr_t expected = running;
        return word_.compare_exchange_strong(expected, 0, std::memory_order_acq_rel);
    }
    /// After a failed try_idle: stop running but keep the waiting nodes; the header counts as
    /// scheduled (further wakes do not schedule it again) until it is drained once more.
    void pause() noexcept { word_.fetch_and(~running, std::memory_order_acq_rel); }

    /// Called by the outermost frame's final suspend (inside run).
    void mark_completed() noexcept { completed_ = true; }
    bool completed() const noexcept { return completed_; }
    bool has_pending_wake() const noexcept {
        return (word_.load(std::memory_order_acquire) & notified) != 0;
    }

    executor* exec = nullptr;
    task_header* queue_next = nullptr;  // link in the global inject queue
    cancel_state cancel;                // cancelled by join_handle::abort and at shutdown
    std::uint64_t id = 0;
    // Who the task is, for traces, stall reports and task dumps: its name (interned, or null)
    // and where it was spawned (a string literal from __builtin_FILE, and the line).
    const char* name = nullptr;
    const char* file = nullptr;
    std::uint32_t line = 0;
    /// Set at spawn: the runtime's registry takes the task in (executor::track) when a run of it
    /// first ends unfinished. A task that finishes in its first run is never registered: it is
    /// in a queue or running all its life, where shutdown and dumps find it without the
    /// registry's lock and list. Only the thread running the task touches these two.
    bool track_on_pause = false;
    /// The registry shard it went into, or not_tracked. Not the list hook's state: removing a
    /// neighbour rewrites the hook under the shard's lock, which its runner does not hold.
    std::uint8_t registry_shard = not_tracked;
    static constexpr std::uint8_t not_tracked = 0xFF;
    /// What the task last blocked on ("a timer", "mpsc receive", ...; set by leaf_waiter::prepare
    /// with one relaxed store), for task dumps. Only meaningful while the task is idle.
    std::atomic<const char*> waits_on{nullptr};
    /// For task dumps: true while a worker runs the task, or it is queued to run.
    bool is_running() const noexcept { return word_.load(std::memory_order_relaxed) & running; }
    bool is_scheduled() const noexcept { return word_.load(std::memory_order_relaxed) & notified; }
    const task_vtable* vt() const noexcept { return vt_; }

private:
    std::atomic<std::uintptr_t> word_{0};  // ready-stack top | running | notified
    const task_vtable* vt_;
    bool yielded_ = false;    // only touched by the running thread
    bool completed_ = false;  // only touched by the running thread

public:
    /// While tracing: the task requeued itself (yield, spent budget) since its last poll, which
    /// its next poll_begin event reports as a self-wake. Written by the thread that requeues it
    /// (the one running it), read by the next one to run it.
    bool trace_self_woken = false;
    /// While tracing: spawned and not yet scheduled (its start records no wake event).
    bool trace_unstarted = false;
};
// Two cache lines, with four bytes of tail padding that a spawn_cell's reference count fills
// (192 bytes a cell). One word more cost spawn-heavy benchmarks 5-10% at one worker (issue 19).
static_assert(sizeof(void*) != 8 || sizeof(task_header) <= 128,
              "task_header grew past two cache lines: every spawned task pays for it");

inline void task_header::run() noexcept {
    yielded_ = false;
    this_thread.budget = coop_budget;
    for (;;) {
        resume_node* fifo = take_ready();
        while (fifo) {
            resume_node* next = fifo->next;  // fifo lives in the frame; read before resuming
            run_node(fifo);
            fifo = next;
        }
        // Between resumptions no coroutine is current: the last one resumed may be freed next
        // (by this task's finish, below, or after the run), and code that reads `current` outside
        // a weir coroutine's resumption (the tracing paths, a foreign coroutine awaiting a weir
        // operation) must find nothing rather than a freed promise. One store per batch.
        this_thread.current = nullptr;
        if (completed_) {
            this_thread.budget = 1 << 30;
            vt_->finish(this);  // may free *this
            return;
        }
        if (track_on_pause) [[unlikely]] {  // before any other thread can run it again
            track_on_pause = false;
            exec->track(this);
        }
        // A yield put a node on the ready stack, so try_idle's CAS would fail: straight to the
        // requeue, one locked instruction fewer per yield (yield_many: four per yield before).
        if (!yielded_ && try_idle()) break;
        // Woken while running. Keep going unless the task has had its turn.
        if (yielded_ || this_thread.budget <= 0) {
            pause();  // nodes and NOTIFIED stay
            this_thread.budget = 1 << 30;
            exec->schedule(this, true);
            return;
        }
    }
    this_thread.budget = 1 << 30;
}

}  // namespace weir::detail

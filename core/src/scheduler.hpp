// The scheduler: N workers, each with a local run queue (local_queue.hpp) and a LIFO slot, one
// global inject queue, the idle bookkeeping (idle.hpp), the timer wheel and the blocking pool.
// docs/architecture.md explains the algorithm; the worker loop is in scheduler.cpp.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "blocking_pool.hpp"
#include "idle.hpp"
#include "inject_queue.hpp"
#include "local_queue.hpp"
#include "owner_store.hpp"
#include "timer_wheel.hpp"
#include "tracer.hpp"
#include "watcher.hpp"
#include "weir/detail/io.hpp"
#include "weir/detail/parker.hpp"
#include "weir/detail/runtime_core.hpp"
#include "weir/detail/spin_lock.hpp"
#include "weir/metrics.hpp"
#include "weir/unhandled.hpp"

namespace weir::detail {

/// How many tasks a worker runs between looks at the global queue (fairness for tasks injected
/// from outside while local work never runs out). Prime, so it does not beat with other periods.
inline constexpr std::uint32_t global_queue_interval = 31;
/// How many tasks between maintenance passes (processing due timers without parking).
inline constexpr std::uint32_t event_interval = 61;
/// How many fired timers a maintenance pass hands on at least, even to a worker whose queue is
/// full (timers.cpp, process_timers): enough that timers keep going, few enough that a full
/// queue's overflow to the global queue stays rare.
inline constexpr std::size_t timer_fire_floor = 16;
/// How many times in a row the LIFO slot may be preferred before its task goes to the back of the
/// queue: enough for request/response ping-pong, bounded so two tasks waking each other cannot
/// starve the rest of the queue.
inline constexpr std::uint32_t max_lifo_polls = 3;
/// How long a task may sit in the LIFO slot of a worker stuck in one poll before the timer owner
/// takes it (parking.cpp), and so how often the owner wakes while another worker is busy: 500
/// wake-ups a second at most, each a few microseconds, against a wait that was unbounded.
inline constexpr std::chrono::milliseconds lifo_watch_interval{2};
/// How long the tasks of one steal must run, together, for the steal to have paid: a few times
/// what moving them costs (waking the thief, the steal, the cache misses on their frames and on
/// whatever wakes their joiners: about 6 us a steal in stream_pipeline_spawn). Below it, pushes
/// stop waking parked workers (scheduler.cpp, "Stealing that does not pay").
inline constexpr std::int64_t steal_pays_ns = 50'000;

struct alignas(64) worker {
    std::size_t index = 0;
    local_queue queue;
    // The LIFO slot. Stealable by the timer owner's watch (parking.cpp), so with other workers
    // the worker's take and its swap of a full slot are exchanges; filling an empty slot is a
    // release store, and a lone worker (nobody watches) uses plain stores (scheduler.cpp).
    std::atomic<task_header*> lifo{nullptr};
    std::uint32_t lifo_streak = 0;
    // The timer owner's watch over the other workers' LIFO slots: what it saw last time, when.
    std::vector<task_header*> watch_lifo;
    std::vector<std::uint64_t> watch_polls;
    std::vector<std::int64_t> watch_since;
    // The same watch over the other workers' queues: each one's poll count at the last look,
    // plus one (0: not looked at since the watch was last forgotten).
    std::vector<std::uint64_t> watch_queue_polls;
    std::uint32_t tick = 0;
    bool searching = false;
    // Took tasks from the global queue since it last ran out of work (a lone worker then yields
    // once before it parks: run_worker).
    bool inject_fed = false;
    std::uint32_t rng = 0;
    // The check of this worker's last steal (scheduler.cpp, "Stealing that does not pay"): when
    // it stole, and how many polls are left before the steal is judged (0: none pending).
    std::int64_t steal_at_ns = 0;
    std::uint32_t steal_polls_left = 0;
    // Tracing (tracer.hpp, sparse stamping): the last stamp (of a poll, a park, an unpark, a
    // steal; see in_poll_ts), the polls left unstamped after it (so the polls since it are
    // trace_stretch + 1 when trace_skip is back at 0), and polls left to leave unstamped.
    std::uint64_t trace_last = 0;
    std::uint32_t trace_stretch = 0, trace_skip = 0;
    trace_ring* ring = nullptr;   // this worker's trace ring, set before tracing first starts
    std::uint32_t trace_gen = 0;  // the tracer's gen when this worker last synced with it

    // Metrics (weir/metrics.hpp): written only by this worker, with relaxed load + store (a
    // plain increment), read by runtime::metrics() from any thread.
    struct counter {
        std::atomic<std::uint64_t> v{0};
        void add(std::uint64_t n = 1) noexcept {
            owner_store(v, v.load(std::memory_order_relaxed) + n);
        }
        std::uint64_t get() const noexcept { return v.load(std::memory_order_relaxed); }
    };
    counter polls, steals, steal_ops, overflows, parks, spawned, lifo_rescues;
    counter finished_untracked;  // tasks finished here that the registry never held
    counter busy_ns;             // finished busy stretches
    // The id of the task this worker is running (0: none), for task dumps and the stall watcher:
    // one relaxed store before and one after each run.
    std::atomic<std::uint64_t> current_task{0};
    // Who the task in its first run here is (the registry does not hold it yet), for the same
    // readers: published before that run by this worker alone, read with a sequence check
    // (label_id is 0 while the fields change; a reader takes them only if it finds the same
    // nonzero id before and after). The strings are the task's name and spawn file, which live
    // as long as the program.
    std::atomic<std::uint64_t> label_id{0};
    std::atomic<const char*> label_name{nullptr}, label_file{nullptr};
    std::atomic<std::uint32_t> label_line{0};
    std::atomic<std::int64_t> busy_since_ns{-1};  // start of the current one (-1: parked)
    std::unique_ptr<parker> park;
    std::thread thread;
};

class runtime_core final : public executor, public slice_host {
public:
    /// io: runtime::options::io_backend (see make_driver).
    /// blocking_keep_alive: runtime::options::blocking_keep_alive (see blocking_pool).
    runtime_core(std::size_t workers, std::size_t max_blocking,
                 std::chrono::nanoseconds blocking_keep_alive, const std::string& io,
                 std::function<void(const unhandled_exception&)> on_unhandled = {});
    ~runtime_core();

    void schedule(task_header* t, bool yield) noexcept override;
    /// Registers t (its first run ended unfinished): scheduler.cpp.
    void track(task_header* t) noexcept override;
    /// More work than a searcher just found is queued somewhere (scheduler.cpp).
    bool work_in_sight(const worker& w) const noexcept;
    /// Counts it (metrics), records it (trace) and hands it to the watcher (runtime::watch).
    void lost_waker(task_header* t, const char* what) noexcept override;
    /// Counts it (metrics) and passes it to the hook, or writes it to stderr (unhandled.cpp).
    void report_unhandled(unhandled_exception::kind k, task_header* t,
                          std::exception_ptr e) noexcept;

    bool submit(task_header* t) noexcept;
    void unregister(task_header* t) noexcept;

    // timers
    std::uint64_t now_tick() const noexcept;
    std::uint64_t tick_of(std::chrono::steady_clock::time_point tp) const noexcept;
    bool timer_insert(timer_entry* e) noexcept;
    bool timer_remove(timer_entry* e) noexcept;
    /// Fires due timers; cheap (one atomic load) when none is due.
    void process_timers() noexcept;

    /// See detail::blocking_submit: may throw when no pool thread can start.
    bool blocking_submit(blocking_job* j) {
        if (!blocking_.submit(j)) return false;
        if (event_loop_) driver_->unpark();  // the job runs in a later slice
        return true;
    }

    // ---- the event-loop mode (event_loop.cpp; backends/wasm_event_loop) ----
    /// True when the linked backend runs this runtime on the host's event loop: one executor
    /// (worker 0, never a thread of its own), driven in slices.
    bool on_event_loop() const noexcept { return event_loop_; }
    void set_slice_budget(std::int64_t ns) noexcept { slice_budget_ns_ = ns; }
    outcome run_slice() noexcept override;
    bool driving() const noexcept override { return driving_; }
    /// block_on's side of the event-loop mode: runs slices on the calling thread, and t's own
    /// runs whenever *scheduled is set, until t completes (block_on.cpp).
    void drive_on_event_loop(task_header* t, std::atomic<bool>& scheduled);
    /// Whether the calling thread may block (event-loop mode: not a browser's main thread).
    bool may_block() const noexcept { return driver_->may_block(); }

    std::size_t worker_count() const noexcept { return workers_.size(); }
    /// The backend's driver (what the timer owner parks on): its name, e.g. "thread_park".
    const char* driver_name() const noexcept { return driver_->name(); }
    /// The driver's I/O side, or null when the backend does no I/O.
    io_driver* io() noexcept { return driver_->io(); }
    std::size_t live_tasks() noexcept;
    /// Finishes of tasks the registry never held (introspection.cpp says in which order the
    /// counts are read).
    std::uint64_t finished_untracked_count() const noexcept;
    /// Live tasks the registry does not hold (in their first run, or not run yet), from the
    /// finishes and the tasks taken in, read before.
    std::size_t untracked_live(std::uint64_t gone, std::uint64_t tracked) const noexcept;
    /// Starts (or replaces) the stall watcher; an empty callback stops it.
    void watch(watch_options o);
    runtime_metrics metrics() noexcept;
    /// Every live task as text (runtime::dump_tasks).
    std::string dump_tasks();
    /// Name and spawn location of live task `id` ("" if it is gone), read under its registry
    /// shard's lock so that it cannot be freed meanwhile.
    bool describe_task(std::uint64_t id, std::string& name, std::string& location);
    /// The label worker i published for task id (its first run), if it still stands.
    bool running_label(std::size_t i, std::uint64_t id, std::string& name,
                       std::string& location) const;
    /// The id of the task worker i is running, and how many runs it has started.
    std::uint64_t running_on(std::size_t i) const noexcept {
        return workers_[i]->current_task.load(std::memory_order_relaxed);
    }
    std::uint64_t polls_of(std::size_t i) const noexcept { return workers_[i]->polls.get(); }
    std::int64_t now_ns() const noexcept {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now() - start_)
            .count();
    }

    // tracing (weir/trace.hpp)
    void start_tracing(std::size_t events_per_worker) {
        trace_.prepare(events_per_worker);
        // Each worker's ring, written once before recording first starts (the workers read it
        // only after seeing tracing on, which the start publishes).
        for (std::size_t i = 0; i < workers_.size(); ++i)
            if (!workers_[i]->ring) workers_[i]->ring = &trace_.ring(i);
        trace_.start();
    }
    void stop_tracing() noexcept { trace_.stop(); }
    void take_trace(trace::log& into) { trace_.take(into); }
    std::uint64_t collect_trace() { return trace_.collect(); }
    /// The scheduler's recording sites' check: one load of this runtime's own flag, on its own
    /// cache line (an acquire, a plain load on x86; it publishes the rings). Code in headers,
    /// which does not know its runtime, checks the process-wide trace_any() first.
    bool tracing() const noexcept { return trace_.on(); }
    /// Records an event of the calling thread that happens inside the current poll of its
    /// worker: it reuses that poll's stamp (tracer.hpp explains the cost rules).
    void trace_event(trace::kind k, std::uint64_t task, std::uint64_t a = 0,
                     std::uint32_t b = 0) noexcept {
        worker* w = trace_worker();
        trace_.record(w ? static_cast<std::ptrdiff_t>(w->index) : -1, w ? in_poll_ts(*w) : 0, k,
                      task, a, b);
    }
    /// The calling thread's worker, if any, in step with the current recording session.
    worker* trace_worker() noexcept {
        worker* w = current_worker();
        if (w && w->trace_gen != trace_.gen()) [[unlikely]]
            trace_resync(*w);
        return w;
    }
    /// w's first record since recording (re)started: a gap record ends what w wrote before (its
    /// open poll ends there, and nothing is interpolated across), and a fresh stamp serves
    /// until the next one, which is w's next poll. If w is inside a poll (recording started
    /// during it), that poll is recorded as beginning now, so that what happens in it has a
    /// poll to belong to. (From trace_poll, the new poll is not current yet.)
    [[gnu::noinline]] void trace_resync(worker& w) noexcept {
        w.ring->push_short(short_record(raw_gap, 0, 0));
        w.trace_gen = trace_.gen();
        w.trace_last = tracer::stamp();
        w.trace_skip = w.trace_stretch = 0;
        if (std::uint64_t cur = w.current_task.load(std::memory_order_relaxed))
            trace_.record(static_cast<std::ptrdiff_t>(w.index), w.trace_last,
                          trace::kind::poll_begin, cur, 0, 0);
    }
    /// The time of an event inside w's current poll: the poll's stamp, or 0 (interpolated when
    /// taken) while the poll is one of a sparse stretch's unstamped ones, which is while
    /// trace_skip has moved from the value the last stamp gave it.
    static std::uint64_t in_poll_ts(const worker& w) noexcept {
        return w.trace_skip == w.trace_stretch ? w.trace_last : 0;
    }
    /// Records an event that starts something on the calling thread (a park, a steal), with a
    /// fresh stamp; the worker's next poll is stamped too.
    void trace_mark(trace::kind k, std::uint64_t task, std::uint64_t a = 0,
                    std::uint32_t b = 0) noexcept {
        worker* w = trace_worker();
        if (w) {
            w->trace_last = tracer::stamp();
            w->trace_stretch = w->trace_skip = 0;
        }
        trace_.record(w ? static_cast<std::ptrdiff_t>(w->index) : -1, w ? w->trace_last : 0, k,
                      task, a, b);
    }
    /// Records the start of a poll of task (id) on w: stamped, with the depth of w's queue, or
    /// neither while w's polls are short (tracer.hpp). a: 1 if the task woke itself
    /// (trace::kind::poll_begin).
    void trace_poll(worker& w, std::uint64_t task, std::uint64_t a) noexcept {
        if (w.trace_gen != trace_.gen()) [[unlikely]]
            trace_resync(w);
        if (w.trace_skip != 0) {  // the common case while polls are short: one word
            --w.trace_skip;       // in_poll_ts now gives 0
            if (task < short_task_limit) [[likely]] {
                w.ring->push_short(
                    short_record(static_cast<std::uint8_t>(trace::kind::poll_begin), a, task));
                return;
            }
            trace_.record(static_cast<std::ptrdiff_t>(w.index), 0, trace::kind::poll_begin, task, a,
                          0);
            return;
        }
        trace_stamped_poll(w, task, a);
    }
    /// trace_poll's other case, out of line: it reads the clock and decides how many of the
    /// next polls go unstamped.
    [[gnu::noinline]] void trace_stamped_poll(worker& w, std::uint64_t task,
                                              std::uint64_t a) noexcept {
        std::uint64_t ts = tracer::stamp();
        auto depth = static_cast<std::uint32_t>(
            w.queue.len() + (w.lifo.load(std::memory_order_relaxed) ? 1 : 0) + 1);
        bool short_polls =
            w.trace_last && ts - w.trace_last < trace_.short_poll_ticks() * (w.trace_stretch + 1);
        w.trace_skip = w.trace_stretch = short_polls ? sparse_stamp_every - 1 : 0;
        w.trace_last = ts;
        trace_.record(static_cast<std::ptrdiff_t>(w.index), ts, trace::kind::poll_begin, task, a,
                      depth);
    }
    /// Records an event of kind k (finish, wake) of task inside the current poll of the calling
    /// thread: a word on a worker (small < 128 becomes its a), a long record elsewhere.
    void trace_in_poll(trace::kind k, std::uint64_t task, std::uint64_t small) noexcept {
        worker* w = trace_worker();
        if (w && task < short_task_limit && small < 128) [[likely]] {
            w->ring->push_short(short_record(static_cast<std::uint8_t>(k), small, task));
            return;
        }
        trace_.record(w ? static_cast<std::ptrdiff_t>(w->index) : -1, w ? in_poll_ts(*w) : 0, k,
                      task, small, 0);
    }
    /// Records t's spawn (its parent is the task running on this thread, if any).
    void trace_spawn(task_header* t) noexcept;
    worker* current_worker() const noexcept {
        return this_thread.runtime == this ? static_cast<worker*>(this_thread.worker) : nullptr;
    }
    bool is_shutting_down() const noexcept { return shutdown_.load(std::memory_order_acquire); }

private:
    friend struct worker_loop;
    void run_worker(worker& w);
    bool run_ready(worker& w) noexcept;
    task_header* next_task(worker& w) noexcept;
    task_header* steal_work(worker& w) noexcept;
    task_header* take_inject_batch(worker& w, std::uint32_t want) noexcept;
    void judge_steal(worker& w) noexcept;
    void run_task(worker& w, task_header* t) noexcept;
    void park_worker(worker& w);
    bool transition_from_parked(worker& w);
    void leave_park_retimes_owner() noexcept;
    void watch_lifo_slots(worker& w) noexcept;
    void forget_lifo_watch(worker& w) noexcept;
    void push_local(worker& w, task_header* t) noexcept;
    /// Wakes a parked worker for new work, if none is searching. fenced: the work is in the
    /// calling worker's own queue, or went into the inject queue (whose seq_cst length update
    /// orders it): idle::worker_to_notify says why neither needs its fence.
    void notify_parked(bool fenced = false) noexcept;
    void unpark_worker(std::size_t i) noexcept;
    void notify_if_work_pending() noexcept;
    void shutdown_tasks() noexcept;

    std::vector<std::unique_ptr<worker>> workers_;
    inject_queue inject_;
    idle idle_;
    std::atomic<bool> shutdown_{false};
    // The last judged steal did not pay (scheduler.cpp, "Stealing that does not pay"): pushes to
    // local queues leave parked workers asleep. Read on every local push by every worker and
    // written only when the verdict changes: a line of its own, so that it stays shared and
    // clean (beside idle_, it shared a line with the sleepers' list, written at every park).
    alignas(64) std::atomic<bool> steals_unpaid_{false};
    std::atomic<std::uint64_t> lost_wakers_{0};
    std::atomic<std::uint64_t> unhandled_{0};
    std::function<void(const unhandled_exception&)> on_unhandled_;  // empty: stderr

    // Timers. next_deadline_ caches the wheel's next expiration for the lock-free fast path.
    std::chrono::steady_clock::time_point start_;
    tracer trace_;
    spin_lock timer_lock_;  // held for an insert, a removal, or one advance of the wheel
    timer_wheel wheel_;
    std::atomic<std::uint64_t> next_deadline_{UINT64_MAX};
    std::atomic<std::ptrdiff_t> timer_owner_{-1};  // the worker parked with a timeout, if any
    // The timer owner parked without the LIFO watch's cap (every worker was parked then); a
    // worker that leaves park while it is set wakes the owner to re-time its sleep (parking.cpp).
    std::atomic<bool> owner_uncapped_{false};
    // The backend's driver. The timer owner parks on it instead of its own parker, so that an
    // I/O backend can wait for completions and the next deadline in one call.
    std::unique_ptr<driver> driver_;

    // The registry: every task that has run and is not finished (track, in scheduler.cpp), so
    // that shutdown can destroy it and dumps can list it. The other live tasks never ran, and
    // sit in a queue (shutdown takes them from there: lifecycle.cpp), or run their first run
    // (the worker publishes who they are: current_task and current_label). One shard per
    // worker (a worker's index modulo the count), each under a spin lock: a task goes into the
    // shard of the worker running it, and usually finishes there too. (Before, every spawn went
    // into the shard of its id, for a lock the spawning thread and the finishing worker passed
    // between them: spawn_many_remote_idle with two workers 1.7x its time now.)
    static constexpr std::size_t registry_shards = 8;
    static std::size_t shard_of(std::uint64_t id) noexcept {
        return static_cast<std::size_t>(id % registry_shards);
    }
    struct alignas(64) shard {
        spin_lock m;
        std::uint64_t tracked = 0;  // tasks ever taken in here (under m: no atomic needed)
        intrusive_list<task_header> tasks;
    };
    // Spawns from threads that are no worker (metrics: remote_spawned), and finishes of
    // never-registered tasks off the workers; with the workers' own counts they give the live
    // tasks that the registry does not hold (live_tasks).
    alignas(64) std::atomic<std::uint64_t> remote_spawned_{0};
    std::atomic<std::uint64_t> finished_untracked_{0};
    shard registry_[registry_shards];

    blocking_pool blocking_;
    std::mutex watcher_lock_;
    std::unique_ptr<watcher> watcher_;  // runtime::watch; stopped first at shutdown

    // Event-loop mode (event_loop.cpp). Only the host's thread touches these.
    bool event_loop_ = false;
    bool driving_ = false;  // inside run_slice, or block_on driving slices
    std::int64_t slice_budget_ns_ = 8'000'000;
    // runtime::watch in event-loop mode: the threshold (0: not watching) checked after each run,
    // since no other thread can look at a run while it goes on.
    std::int64_t watch_threshold_ns_ = 0;
    void watch_after_run(std::uint64_t id, const char* name, const char* file, unsigned line,
                         std::int64_t ran_ns) noexcept;
};

}  // namespace weir::detail

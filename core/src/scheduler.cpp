// The worker loop of the multi-thread scheduler, and the shutdown sequence. The algorithm (after
// tokio's multi_thread scheduler) is explained in docs/architecture.md; in short, a worker:
//   1. every 61st iteration fires due timers; every 31st takes a task from the global queue first;
//   2. runs the task in its LIFO slot (a task just woken by the running one: its data is hot in
//      cache), at most 3 times in a row, else the head of its local queue, else a batch from the
//      global queue;
//   3. with nothing local, searches: steals half of another worker's queue (at most half the
//      workers search at once);
//   4. finding nothing, parks (parking.cpp: the timer role, handing it over, and the watch over
//      busy workers' LIFO slots). Timers themselves are in timers.cpp.
#include "scheduler.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include "task_label.hpp"
#include "weir/detail/promise_base.hpp"

namespace weir::detail {

namespace {
std::atomic<std::uint64_t> task_ids{1};

std::uint32_t next_rand(std::uint32_t& s) noexcept {  // xorshift32: only to pick a victim
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    return s;
}
}  // namespace

std::uint64_t next_task_id() noexcept { return task_ids.fetch_add(1, std::memory_order_relaxed); }

runtime_core::runtime_core(std::size_t n, std::size_t max_blocking,
                           std::chrono::nanoseconds blocking_keep_alive, const std::string& io,
                           std::function<void(const unhandled_exception&)> on_unhandled)
    : idle_(n),
      on_unhandled_(std::move(on_unhandled)),
      start_(std::chrono::steady_clock::now()),
      trace_(n, start_),
      driver_(make_driver(io)),
      blocking_(this, max_blocking, blocking_keep_alive) {
    workers_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        auto w = std::make_unique<worker>();
        w->index = i;
        w->rng = 0x9e3779b9u * static_cast<std::uint32_t>(i + 1);
        w->park = make_thread_parker();
        w->watch_lifo.assign(n, nullptr);
        w->watch_polls.assign(n, 0);
        w->watch_since.assign(n, 0);
        workers_.push_back(std::move(w));
    }
    if (backend_runs_on_event_loop()) {
        // One executor, run in slices by the host's event loop (event_loop.cpp): no thread. It
        // always holds the timer role, so an earlier timer unparks the driver, which re-arms
        // its host timer.
        event_loop_ = true;
        timer_owner_.store(0, std::memory_order_relaxed);
        blocking_.run_inline();
        driver_->attach(this);
        return;
    }
    std::size_t started = 0;
    try {
        for (; started < n; ++started) {
            worker* w = workers_[started].get();
            w->thread = std::thread([this, w] { run_worker(*w); });
        }
    } catch (...) {
        shutdown_.store(true);
        driver_->unpark();
        for (std::size_t i = 0; i < started; ++i) {
            workers_[i]->park->unpark();
            workers_[i]->thread.join();
        }
        throw;
    }
}

runtime_core::~runtime_core() {
    {
        std::lock_guard<std::mutex> g(watcher_lock_);
        watcher_.reset();  // it reads the workers and the registry
    }
    shutdown_.store(true, std::memory_order_seq_cst);
    if (event_loop_) driver_->attach(nullptr);  // no slice runs from here on
    driver_->unpark();
    for (auto& w : workers_) w->park->unpark();
    for (auto& w : workers_)
        if (w->thread.joinable()) w->thread.join();
    // Nothing runs any more. Jobs of the blocking pool that started are waited for; the others
    // are dropped. Then queued tasks are forgotten and every unfinished task destroyed.
    blocking_.shutdown();
    // Work the driver runs itself (a file read on a helper thread) finishes while the frames
    // it writes into still exist; completions are no longer reported.
    driver_->shutdown();
    inject_.close();
    for (auto& w : workers_) {
        w->lifo.store(nullptr, std::memory_order_relaxed);
        while (w->queue.pop()) {
        }
    }
    // Destructors of the destroyed frames may call weir::spawn: let them find this runtime (it
    // refuses new tasks now, so they get a handle that reports operation_cancelled).
    thread_state saved = this_thread;
    this_thread.runtime = this;
    this_thread.worker = nullptr;
    shutdown_tasks();
    this_thread = saved;
}

void runtime_core::shutdown_tasks() noexcept {
    for (auto& s : registry_) {
        for (;;) {
            task_header* t;
            {
                std::lock_guard<spin_lock> lk(s.m);
                t = s.tasks.pop_front();
            }
            if (!t) break;
            t->vt()->shutdown(t);
        }
    }
}

bool runtime_core::submit(task_header* t) noexcept {
    t->exec = this;
    shard& s = registry_[t->id % registry_shards];
    std::lock_guard<spin_lock> lk(s.m);
    if (shutdown_.load(std::memory_order_acquire)) return false;
    s.tasks.push_back(t);
    ++s.spawned;  // remote spawns = these minus the workers' own counts (metrics)
    if (worker* sw = current_worker()) sw->spawned.add();
    if (tracing()) trace_spawn(t);
    return true;
}

void runtime_core::trace_spawn(task_header* t) noexcept {
    t->trace_unstarted = true;  // its first scheduling follows: not recorded as a wake-up
    promise_base* cur = this_thread.current;
    std::uint64_t parent = cur && cur->ctx.header ? cur->ctx.header->id : 0;
    worker* w = trace_worker();
    // Spawned by the task this worker polls, whose poll_begin is in this session's part of the
    // ring (trace_resync records a poll begun before the session): the spawn's time and parent
    // are the poll's.
    if (w && parent && parent == w->current_task.load(std::memory_order_relaxed)) {
        tracer::record_spawn_in_poll(*w->ring, t->id, t->name, t->file, t->line);
        return;
    }
    trace_.record_spawn(w ? static_cast<std::ptrdiff_t>(w->index) : -1, w ? in_poll_ts(*w) : 0,
                        t->id, parent, t->name, t->file, t->line);
}

void runtime_core::unregister(task_header* t) noexcept {
    shard& s = registry_[t->id % registry_shards];
    {
        std::lock_guard<spin_lock> lk(s.m);
        if (t->linked()) s.tasks.erase(t);
    }
    if (tracing()) trace_in_poll(trace::kind::finish, t->id, 0);
}

runtime_metrics runtime_core::metrics() noexcept {
    runtime_metrics m;
    m.workers = workers_.size();
    m.global_queue_depth = inject_.len();
    m.live_tasks = live_tasks();
    std::int64_t now = now_ns();
    for (auto& w : workers_) {
        worker_metrics x;
        x.polls = w->polls.get();
        x.steals = w->steals.get();
        x.steal_operations = w->steal_ops.get();
        x.overflows = w->overflows.get();
        x.parks = w->parks.get();
        x.spawned = w->spawned.get();
        x.lifo_rescues = w->lifo_rescues.get();
        // The queue's indices are atomics; the LIFO slot is the worker's own, so it is not
        // counted from here (it holds at most one task).
        x.local_queue_depth = w->queue.len();
        std::uint64_t busy = w->busy_ns.get();
        std::int64_t since = w->busy_since_ns.load(std::memory_order_relaxed);
        if (since >= 0 && now > since) busy += static_cast<std::uint64_t>(now - since);
        x.busy = std::chrono::nanoseconds(busy);
        m.per_worker.push_back(x);
    }
    std::uint64_t all = 0, local = 0;
    for (auto& s : registry_) {
        std::lock_guard<spin_lock> lk(s.m);
        all += s.spawned;
    }
    for (const auto& x : m.per_worker) local += x.spawned;
    m.remote_spawned = all > local ? all - local : 0;
    m.lost_wakers = lost_wakers_.load(std::memory_order_relaxed);
    m.unhandled_exceptions = unhandled_.load(std::memory_order_relaxed);
    auto [blocking_threads, blocking_queued] = blocking_.counts();
    m.blocking_threads = blocking_threads;
    m.blocking_queue_depth = blocking_queued;
    return m;
}

void runtime_core::lost_waker(task_header* t, const char* what) noexcept {
    lost_wakers_.fetch_add(1, std::memory_order_relaxed);
    if (tracing())
        trace_event(trace::kind::lost_waker, t->id, reinterpret_cast<std::uintptr_t>(what));
    try {
        std::lock_guard<std::mutex> g(watcher_lock_);
        if (!watcher_) return;
        warning x;
        x.what = warning::kind::lost_waker;
        x.task = t->id;
        x.name = t->name ? t->name : "";
        x.location = spawn_location(t->file, t->line);
        worker* w = current_worker();
        x.worker = w ? w->index : 0;
        x.message = task_label(t->id, x.name, x.location) + " lost its waker: " + what +
                    " it waited on was destroyed; it resumes with weir::wait_abandoned";
        watcher_->post(std::move(x));
    } catch (...) {
        // Out of memory for the report: the count and the trace event still say it.
    }
}

bool runtime_core::describe_task(std::uint64_t id, std::string& name, std::string& location) {
    shard& s = registry_[id % registry_shards];
    std::lock_guard<spin_lock> lk(s.m);
    for (task_header* t = s.tasks.front(); t; t = s.tasks.next(t)) {
        if (t->id != id) continue;
        name = t->name ? t->name : "";
        location = spawn_location(t->file, t->line);
        return true;
    }
    return false;
}

std::string runtime_core::dump_tasks() {
    std::vector<std::uint64_t> running(workers_.size());
    for (std::size_t i = 0; i < workers_.size(); ++i) running[i] = running_on(i);
    std::string out;
    std::size_t n = 0;
    for (auto& s : registry_) {
        std::lock_guard<spin_lock> lk(s.m);  // no task of this shard can be freed meanwhile
        for (task_header* t = s.tasks.front(); t; t = s.tasks.next(t)) {
            ++n;
            out += task_label(t->id, t->name ? t->name : "", spawn_location(t->file, t->line));
            out += ": ";
            auto w = std::find(running.begin(), running.end(), t->id);
            if (w != running.end()) {
                out += "running on worker " + std::to_string(w - running.begin());
            } else if (t->is_running() || t->is_scheduled()) {
                out += "runnable, waiting for a worker";
            } else {
                const char* what = t->waits_on.load(std::memory_order_relaxed);
                out += std::string("waiting on ") + (what ? what : "something not weir's");
            }
            out += "\n";
        }
    }
    return std::to_string(n) + " live task" + (n == 1 ? "" : "s") + "\n" + out;
}

void runtime_core::watch(watch_options o) {
    std::lock_guard<std::mutex> g(watcher_lock_);
    watcher_.reset();
    watch_threshold_ns_ = 0;
    if (!o.on_warning) return;
    if (event_loop_)  // no thread to sample with: the slices check each run's length
        watch_threshold_ns_ =
            std::chrono::duration_cast<std::chrono::nanoseconds>(o.stall_threshold).count();
    watcher_ = std::make_unique<watcher>(this, std::move(o), !event_loop_);
}

std::size_t runtime_core::live_tasks() noexcept {
    std::size_t n = 0;
    for (auto& s : registry_) {
        std::lock_guard<spin_lock> lk(s.m);
        n += s.tasks.size();
    }
    return n;
}

void runtime_core::schedule(task_header* t, bool yield) noexcept {
    worker* w = this_thread.runtime == this ? static_cast<worker*>(this_thread.worker) : nullptr;
    // A task requeuing itself (yield, spent budget) is not a wake-up worth an event.
    // It is reported by its next poll_begin as a self-wake instead.
    if (tracing()) {
        if (yield)
            t->trace_self_woken = true;  // we run it: the header is ours until it is queued
        else if (!std::exchange(t->trace_unstarted, false))  // a spawn's start is no wake-up
            trace_in_poll(trace::kind::wake, t->id, w ? w->index + 1 : 0);
    }
    if (w) {
        if (!yield) {
            // The woken task runs next on this worker (LIFO slot); the one it displaces goes to
            // the queue, where it can be stolen, so only then is another worker worth waking.
            // Only this worker ever fills the slot (the timer owner's rescue, parking.cpp, only
            // empties it), so a slot seen empty stays empty until we fill it: the common case
            // (the running task was taken from it) is a plain store, not a read-modify-write
            // (ping_pong, chained_spawn: one per wake). A full slot is swapped with an exchange,
            // since a rescue may take its task meanwhile; alone, nobody rescues, and a plain
            // store swaps it too (a spawn loop displaces the slot's task once per spawn:
            // join_all_1000 with 1 worker paid a locked exchange per child).
            task_header* prev = w->lifo.load(std::memory_order_relaxed);
            if (!prev) {
                w->lifo.store(t, std::memory_order_release);  // a rescuer's acquire sees *t
                return;
            }
            if (workers_.size() > 1)
                prev = w->lifo.exchange(t, std::memory_order_acq_rel);
            else
                w->lifo.store(t, std::memory_order_relaxed);
            if (!prev) return;
            t = prev;
        }
        push_local(*w, t);
        // Worth waking a parked worker only if there is something to steal besides the task this
        // worker will run next (tokio's should_notify_others). Without this rule a lone task
        // spending its budget (a long stream pipeline) woke the other worker every 128 awaits,
        // which stole it: 2000 futex wake-ups and migrations per stream_pipeline iteration.
        // With one worker there is nobody to wake (the pusher is that worker, running): skipping
        // the notify skips its seq_cst fence (idle.hpp), 1.0 ms of yield_many's 9.5 ms there.
        if (workers_.size() > 1 && !w->searching &&
            (w->lifo.load(std::memory_order_relaxed) ? 1u : 0u) + w->queue.len() > 1)
            notify_parked(true);
        return;
    }
    if (!inject_.push(t)) return;  // shutting down: the task is about to be destroyed
    notify_parked(true);           // the push's seq_cst length update orders it (idle.hpp)
}

void runtime_core::push_local(worker& w, task_header* t) noexcept {
    task_header *head = nullptr, *tail = nullptr;
    std::uint32_t count = 0;
    if (!w.queue.push_back(t, head, tail, count)) {
        inject_.push_batch(head, tail, count);
        w.overflows.add();
    }
}

void runtime_core::notify_parked(bool fenced) noexcept {
    if (event_loop_) {  // the driver runs a slice soon, unless one is running
        driver_->unpark();
        return;
    }
    std::ptrdiff_t i = idle_.worker_to_notify(fenced);
    if (i >= 0) unpark_worker(static_cast<std::size_t>(i));
}

void runtime_core::notify_if_work_pending() noexcept {
    // Pairs with the fence in idle::worker_to_notify: our state_ update (parking) is ordered
    // before the queue loads below, so a push that saw us searching is seen here.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    for (auto& w : workers_) {
        if (!w->queue.empty()) {
            notify_parked();
            return;
        }
    }
    if (!inject_.is_empty()) notify_parked();
}

void runtime_core::run_worker(worker& w) {
    this_thread.runtime = this;
    this_thread.worker = &w;
    w.busy_since_ns.store(now_ns(), std::memory_order_relaxed);
    while (!shutdown_.load(std::memory_order_acquire)) {
        ++w.tick;
        if (w.tick % event_interval == 0) {
            process_timers();
            driver_->poll();  // reap I/O completions even while no worker parks
        }
        task_header* t = next_task(w);
        if (!t) {
            driver_->flush();  // I/O this worker queued goes out before it looks elsewhere
            t = steal_work(w);
        }
        if (t) {
            run_task(w, t);
            continue;
        }
        park_worker(w);
    }
    this_thread.runtime = nullptr;
    this_thread.worker = nullptr;
}

task_header* runtime_core::next_task(worker& w) noexcept {
    if (w.tick % global_queue_interval == 0) {
        if (task_header* t = inject_.pop()) return t;
    }
    if (task_header* t = w.lifo.load(std::memory_order_relaxed)) {  // most looks find it empty
        // With other workers, an exchange: the timer owner may have taken the task meanwhile.
        // Alone, nobody rescues, and a plain store empties the slot.
        if (workers_.size() > 1)
            t = w.lifo.exchange(nullptr, std::memory_order_acq_rel);
        else
            w.lifo.store(nullptr, std::memory_order_relaxed);
        if (t && w.lifo_streak < max_lifo_polls) {
            ++w.lifo_streak;
            return t;
        }
        if (t) push_local(w, t);
    }
    w.lifo_streak = 0;
    if (task_header* t = w.queue.pop()) return t;
    // Local queue empty: take a fair share of the global queue.
    std::uint32_t want = inject_.len() / static_cast<std::uint32_t>(workers_.size()) + 1;
    want = std::min({want, w.queue.remaining(), local_queue::capacity / 2});
    std::uint32_t count = 0;
    task_header* first = inject_.pop_batch(want, count);
    if (!first) return nullptr;
    for (task_header* x = first->queue_next; x;) {
        task_header* next = x->queue_next;
        x->queue_next = nullptr;
        w.queue.push_unchecked(x);
        x = next;
    }
    first->queue_next = nullptr;
    return first;
}

task_header* runtime_core::steal_work(worker& w) noexcept {
    if (!w.searching) {
        if (!idle_.transition_to_searching()) return nullptr;
        w.searching = true;
    }
    std::size_t n = workers_.size();
    std::size_t start = next_rand(w.rng) % n;
    for (std::size_t i = 0; i < n; ++i) {
        std::size_t j = (start + i) % n;
        if (j == w.index) continue;
        std::uint32_t stolen = 0;
        if (task_header* t = workers_[j]->queue.steal_into(w.queue, &stolen)) {
            w.steal_ops.add();
            w.steals.add(stolen);
            if (tracing()) trace_mark(trace::kind::steal, t->id, j, stolen);
            return t;
        }
    }
    std::uint32_t count = 0;
    std::uint32_t want = std::min<std::uint32_t>(w.queue.remaining(), local_queue::capacity / 2);
    task_header* first = inject_.pop_batch(want, count);
    if (!first) return nullptr;
    for (task_header* x = first->queue_next; x;) {
        task_header* next = x->queue_next;
        x->queue_next = nullptr;
        w.queue.push_unchecked(x);
        x = next;
    }
    first->queue_next = nullptr;
    return first;
}

void runtime_core::run_task(worker& w, task_header* t) noexcept {
    if (w.searching) {
        w.searching = false;
        // The last searcher found work: there may be more, so get another worker looking.
        if (idle_.transition_from_searching()) notify_parked();
    }
    w.polls.add();
    // The poll's end is where the next poll or park begins (tracer.hpp).
    if (tracing()) trace_poll(w, t->id, std::exchange(t->trace_self_woken, false));
    w.current_task.store(t->id, std::memory_order_relaxed);
    t->run();  // may free t
    w.current_task.store(0, std::memory_order_relaxed);
}

void trace_named(trace::kind k, const char* name, std::uint64_t count) noexcept {
    runtime_core* rt = this_thread.runtime;
    if (!rt || !rt->tracing()) return;
    promise_base* cur = this_thread.current;
    std::uint64_t task = cur && cur->ctx.header ? cur->ctx.header->id : 0;
    auto a = reinterpret_cast<std::uintptr_t>(name);
    auto b = static_cast<std::uint32_t>(std::min<std::uint64_t>(count, UINT32_MAX));
    // A channel's depth is a level that tasks on every worker change: it needs the time of
    // the change itself (the time of the poll it happens in would misorder the levels).
    if (k == trace::kind::channel_depth)
        rt->trace_mark(k, task, a, b);
    else
        rt->trace_event(k, task, a, b);
}

void trace_named_from(runtime_core* rt, trace::kind k, const char* name,
                      std::uint64_t count) noexcept {
    if (!rt || !rt->tracing()) return;
    auto a = reinterpret_cast<std::uintptr_t>(name);
    auto b = static_cast<std::uint32_t>(std::min<std::uint64_t>(count, UINT32_MAX));
    rt->trace_mark(k, 0, a, b);
}

// ---- the non-template entry points used by the headers ----

std::exception_ptr& deferred_error() noexcept {
    thread_local std::exception_ptr e;
    return e;
}

bool submit_task(runtime_core* rt, task_header* t) noexcept { return rt->submit(t); }
void unregister_task(runtime_core* rt, task_header* t) noexcept { rt->unregister(t); }
std::uint64_t deadline_tick(runtime_core* rt, std::chrono::steady_clock::time_point tp) noexcept {
    return rt->tick_of(tp);
}
bool timer_insert(runtime_core* rt, timer_entry* e) noexcept { return rt->timer_insert(e); }
bool timer_remove(runtime_core* rt, timer_entry* e) noexcept { return rt->timer_remove(e); }
bool blocking_submit(runtime_core* rt, blocking_job* j) { return rt->blocking_submit(j); }
void trace_io_completed(runtime_core* rt, std::uint64_t task, std::int64_t result) noexcept {
    if (rt && rt->tracing())
        rt->trace_event(trace::kind::io_completed, task, static_cast<std::uint64_t>(result));
}

}  // namespace weir::detail

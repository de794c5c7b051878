// The worker loop of the multi-thread scheduler (runtime_core, scheduler.hpp), and the path of
// every task through it: spawn (submit), scheduling, stealing, running, finishing. The
// algorithm (after tokio's multi_thread scheduler) is explained in docs/architecture.md; in
// short, a worker:
//   1. every 61st iteration fires due timers; every 31st takes a task from the global queue first;
//   2. runs the task in its LIFO slot (a task just woken by the running one: its data is hot in
//      cache), at most 3 times in a row, else the head of its local queue, else a batch from the
//      global queue;
//   3. with nothing local, searches: steals half of another worker's queue (at most half the
//      workers search at once), and judges the steal by how long the stolen tasks ran: while
//      steals do not pay, pushes to local queues wake no parked worker (judge_steal);
//   4. finding nothing, parks (parking.cpp: the timer role, handing it over, and the watch over
//      busy workers' LIFO slots); a lone worker yields once first after work from the global
//      queue (run_worker). Timers themselves are in timers.cpp.
// Starting and stopping the scheduler are in lifecycle.cpp, metrics and task dumps in
// introspection.cpp: cold code, kept apart from the functions here, which run per task and stay
// in one translation unit with the loop that calls them, where the compiler can inline them.
#include "scheduler.hpp"

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#include "weir/detail/promise_base.hpp"

namespace weir::detail {

namespace {
std::atomic<std::uint64_t> task_ids{1};  // the first id of the next block (next_task_id)

std::uint32_t next_rand(std::uint32_t& s) noexcept {  // xorshift32: only to pick a victim
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    return s;
}
}  // namespace

// Task ids are unique per process, not in spawn order: each thread takes a block of
// task_id_block ids from the shared counter and hands them out alone. One write of the shared
// counter's cache line per 1024 spawns instead of one per spawn (it was 10% of spawn_many_local's
// samples with two workers spawning). Blocks start at 1 (0 means "no task").
namespace {
// This thread's block of task ids, [next, end). Its own thread_local, not part of thread_state:
// block_on saves and restores thread_state, and a block restored to an earlier point gave the
// ids spawned meanwhile (from the block_on thread) to later spawns again: two tasks with one id.
struct id_block {
    std::uint64_t id_next = 0;
    std::uint64_t id_end = 0;
};
thread_local id_block this_thread_ids;
}  // namespace

std::uint64_t next_task_id() noexcept {
    id_block& s = this_thread_ids;
    if (s.id_next == s.id_end) [[unlikely]] {
        s.id_next = task_ids.fetch_add(task_id_block, std::memory_order_relaxed);
        s.id_end = s.id_next + task_id_block;
    }
    return s.id_next++;
}

// The registry (scheduler.hpp) takes a task in only when a run of it first ends unfinished
// (track, below): a spawn writes nothing shared by all workers but the spawn count of a thread
// outside them. A task that finishes in its first run never enters it, and its finish takes no
// lock (the registry's lock and list cost spawn_many_remote_idle with two workers 40% of its
// time, as the spawning thread and the finishing worker passed the shards' lines and the
// neighbouring tasks' headers back and forth).
bool runtime_core::submit(task_header* t) noexcept {
    t->exec = this;
    if (shutdown_.load(std::memory_order_acquire)) return false;
    t->track_on_pause = true;
    if (worker* sw = current_worker())
        sw->spawned.add();
    else
        remote_spawned_.fetch_add(1, std::memory_order_relaxed);
    if (tracing()) trace_spawn(t);
    return true;
}

// Into the shard of the worker running it, so that a task that suspends and finishes where it
// runs (most do, with the LIFO slot) takes a lock no other worker is using.
void runtime_core::track(task_header* t) noexcept {
    worker* w = current_worker();
    std::size_t k = w ? w->index % registry_shards : shard_of(t->id);
    t->registry_shard = static_cast<std::uint8_t>(k);
    shard& s = registry_[k];
    std::lock_guard<spin_lock> lk(s.m);
    s.tasks.push_back(t);
    ++s.tracked;
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
    if (t->registry_shard != task_header::not_tracked) {
        shard& s = registry_[t->registry_shard];
        std::lock_guard<spin_lock> lk(s.m);
        s.tasks.erase(t);
    } else if (worker* w = current_worker()) {
        w->finished_untracked.add();
    } else {
        finished_untracked_.fetch_add(1, std::memory_order_relaxed);
    }
    if (tracing()) trace_in_poll(trace::kind::finish, t->id, 0);
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
            bool alone = workers_.size() == 1;
            if (!prev) {
                if (alone)  // nobody rescues: a plain store (owner_store.hpp says why not atomic)
                    owner_store(w->lifo, t);
                else
                    w->lifo.store(t, std::memory_order_release);  // a rescuer's acquire sees *t
                return;
            }
            if (!alone)
                prev = w->lifo.exchange(t, std::memory_order_acq_rel);
            else
                owner_store(w->lifo, t);
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
        // Nor while stealing does not pay (steals_unpaid_, below).
        if (workers_.size() > 1 && !w->searching &&
            !steals_unpaid_.load(std::memory_order_relaxed) &&
            (w->lifo.load(std::memory_order_relaxed) ? 1u : 0u) + w->queue.len() > 1)
            notify_parked(true);
        return;
    }
    if (!inject_.push(t)) {
        // Shut down (the global queue is closed once no worker runs). A task that has run is
        // in the registry, which shutdown empties; one that never ran is a spawn that lost the
        // race with shutdown, and nothing else will end it.
        if (t->track_on_pause) {
            // As in the destructor: a destructor of its frame that spawns must find this
            // runtime (which refuses it: an already-cancelled handle), not throw for want of one.
            thread_state saved = this_thread;
            this_thread.runtime = this;
            this_thread.worker = nullptr;
            t->vt()->shutdown(t);
            this_thread = saved;
        }
        return;
    }
    notify_parked(true);  // the push's seq_cst length update orders it (idle.hpp)
}

// Whether a searcher that has just found work should get another worker looking: more work is
// in sight. Not only its own queue and the global queue: a push made while it searched woke
// nobody (a searcher will find it), and may sit in another worker's queue behind a long run
// (three workers: the wake that recruited the next searcher was the only one that push had).
// Without this check every lone task found woke another worker: two workers draining a remote
// spawner's tasks woke each other for nothing (spawn_many_remote_idle, docs/performance.md).
// The global queue's load is seq_cst, against a push that saw this worker still searching
// (both sides then read after a seq_cst write: idle.hpp).
bool runtime_core::work_in_sight(const worker& w) const noexcept {
    if (!w.queue.empty() || !inject_.is_empty_seq_cst()) return true;
    for (auto& x : workers_)
        if (x.get() != &w && !x->queue.empty()) return true;
    return false;
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
#if defined(__wasm__)
        // Through a pointer that no optimizer can see through: binaryen (emcc's wasm-opt) inlines
        // a function with one caller whatever LLVM was told, and run_ready must stay a call.
        static bool (runtime_core::*volatile const run_ready_call)(worker&) noexcept =
            &runtime_core::run_ready;
        if ((this->*run_ready_call)(w)) continue;
#else
        if (run_ready(w)) continue;
#endif
        // One worker, out of work after tasks from the global queue: a thread outside the
        // workers may be feeding it (runtime::spawn from main, a blocking-pool thread). If that
        // thread shares this CPU (a one-CPU container, a loaded host), the wake-up it sent us
        // preempted it, and parking now means it wakes us again a few tasks later: two context
        // switches and three system calls per handful of tasks (about 110 parks per 10,000
        // tasks in spawn_many_remote_idle pinned to one CPU, 1.18x its time before issue 19).
        // Giving the CPU back once lets it push a batch first (7 parks in 240 such rounds; with
        // a CPU to spare the yield returns at once; under Emscripten it gives nothing up). Only
        // with one worker: there the yield cannot hand the CPU to another worker. With two, it
        // handed it to the other worker too, and measured 1.1-2x slower on join_all_1000,
        // ping_pong and yield_many (docs/performance.md).
        if (w.inject_fed) {
            w.inject_fed = false;
            if (workers_.size() == 1) {
                std::this_thread::yield();
                continue;
            }
        }
        park_worker(w);
    }
    this_thread.runtime = nullptr;
    this_thread.worker = nullptr;
}

// Runs ready tasks, up to event_interval of them; false if it found none. A function of its
// own, never inlined, and left after a batch, for WebAssembly: V8 first runs wasm code as
// compiled by its baseline compiler (Liftoff) and swaps in the optimized code at a function's
// next call, never inside a running call. run_worker is called once per worker, so what was
// compiled into it stayed baseline code for the runtime's whole life: yield_many with 2 workers
// ran 15.5 ms in the threads build when it was a process's first runtime, 5.6 ms when an earlier
// runtime had got the code optimized first (Node 20; 7.5 ms with --no-liftoff). Natively it is
// one call per batch of tasks.
[[gnu::noinline]] bool runtime_core::run_ready(worker& w) noexcept {
    for (std::uint32_t n = 0; n < event_interval; ++n) {
        ++w.tick;
        if (w.tick % event_interval == 0) {
            process_timers();
            driver_->poll();  // reap I/O completions even while no worker parks
        }
        task_header* t = next_task(w);
        if (!t) {
            driver_->flush();  // I/O this worker queued goes out before it looks elsewhere
            t = steal_work(w);
            if (!t) return false;
        }
        run_task(w, t);
        if (shutdown_.load(std::memory_order_acquire)) break;
    }
    return true;
}

task_header* runtime_core::next_task(worker& w) noexcept {
    if (w.tick % global_queue_interval == 0) {
        if (task_header* t = inject_.pop()) {
            w.inject_fed = true;
            return t;
        }
    }
    if (task_header* t = w.lifo.load(std::memory_order_relaxed)) {  // most looks find it empty
        // With other workers, an exchange: the timer owner may have taken the task meanwhile.
        // Alone, nobody rescues, and a plain store empties the slot.
        if (workers_.size() > 1)
            t = w.lifo.exchange(nullptr, std::memory_order_acq_rel);
        else
            owner_store(w.lifo, static_cast<task_header*>(nullptr));
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
    return take_inject_batch(w, want);
}

// Takes up to `want` tasks from the global queue: the first to run now, the rest into w's local
// queue (the caller made sure they fit).
task_header* runtime_core::take_inject_batch(worker& w, std::uint32_t want) noexcept {
    std::uint32_t count = 0;
    task_header* first = inject_.pop_batch(want, count);
    if (!first) return nullptr;
    w.inject_fed = true;
    w.queue.push_list_unchecked(std::exchange(first->queue_next, nullptr));
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
            w.steal_at_ns = now_ns();  // judged when this many polls have run (judge_steal)
            w.steal_polls_left = stolen;
            if (tracing()) trace_mark(trace::kind::steal, t->id, j, stolen);
            return t;
        }
    }
    std::uint32_t want = std::min<std::uint32_t>(w.queue.remaining(), local_queue::capacity / 2);
    return take_inject_batch(w, want);
}

void runtime_core::run_task(worker& w, task_header* t) noexcept {
    if (w.searching) {
        w.searching = false;
        // The last searcher found work: if there is more in sight, get another worker looking.
        if (idle_.transition_from_searching() && work_in_sight(w)) notify_parked();
    }
    w.polls.add();
    // The poll's end is where the next poll or park begins (tracer.hpp).
    if (tracing()) trace_poll(w, t->id, std::exchange(t->trace_self_woken, false));
    bool first_run = t->track_on_pause;
    if (first_run) {  // say who it is (scheduler.hpp, label_id)
        // label_id is 0 here: stored after the last first run on this worker ended. The fence
        // keeps that store before the fields'. In a WebAssembly threads build it would be a full
        // barrier for every task started (an mfence from V8, and the stores around it locked
        // exchanges: spawn_many_remote_idle with 1 worker 1.15x); the stores there are plain
        // (owner_store.hpp) and V8 emits them in order, so on x86 the order holds without it.
        // Where it does not, a reader may pair a task's id with the fields of the task before:
        // a dump or stall report naming the wrong task, never reading freed memory.
#if !defined(__wasm__)
        std::atomic_thread_fence(std::memory_order_release);
#endif
        owner_store(w.label_name, t->name);
        owner_store(w.label_file, t->file);
        owner_store(w.label_line, t->line);
        w.label_id.store(t->id, std::memory_order_release);
    }
    owner_store(w.current_task, t->id);
    t->run();  // may free t
    owner_store(w.current_task, std::uint64_t{0});
    if (first_run) owner_store(w.label_id, std::uint64_t{0});  // no longer in its first run
    if (w.steal_polls_left != 0 && --w.steal_polls_left == 0) judge_steal(w);
}

// Stealing that does not pay. A steal moves tasks to a core where their frames, and the frames
// of the tasks they wake, are cold, and it begins with waking the thief. For tasks of a few
// hundred nanoseconds that costs more than running them where they are: in
// stream_pipeline_spawn (a consumer spawning a million tiny tasks into a window of 100) the second
// worker woke for every few pushes, stole half of the consumer's queue (the items it needed
// next), and their completions pulled the consumer across cores: 1.07 s with two workers, 0.2 s
// with pushes waking nobody. tokio has the same shape there (0.8 s against 0.3 s with one worker).
// So each steal is judged by its outcome: the thief times the polls that follow it, as many as it
// stole (the clock is read once at the steal and once here). They are mostly the stolen tasks,
// but whatever the thief polls meanwhile counts too (a task woken into its LIFO slot); a thief
// that parks first drops the verdict (park_worker). If together they ran under steal_pays_ns,
// the steal did not pay, and pushes to local queues stop waking parked workers. The verdict is
// one for the whole runtime, the last one wins: with three workers or more, tiny tasks stolen in
// one part of a program hold back the wakes for another, until a steal there pays.
// Work still spreads: a thief that runs out looks again before it parks, and while any worker
// runs, the parked timer owner wakes every lifo_watch_interval and wakes a searcher for a queue
// that holds more than its worker runs next, or for any task queued behind a worker that stayed
// inside one poll since its last look (parking.cpp); that steal is judged too, and the first one
// that pays (tasks long enough to share) makes pushes wake parked workers again. So a task queued
// behind a long poll, with a worker parked, waits about two of those intervals, not the poll.
void runtime_core::judge_steal(worker& w) noexcept {
    bool unpaid = now_ns() - w.steal_at_ns < steal_pays_ns;
    if (steals_unpaid_.load(std::memory_order_relaxed) != unpaid)
        steals_unpaid_.store(unpaid, std::memory_order_relaxed);
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

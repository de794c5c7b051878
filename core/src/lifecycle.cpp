// Starting and stopping the multi-thread scheduler (runtime_core, scheduler.hpp). The
// constructor makes the workers and starts a thread for each (on the event-loop backend, none:
// its one executor runs in slices of the host's loop, event_loop.cpp). The destructor stops in
// an order that leaves nothing running on freed state: the stall watcher first (it reads the
// workers), then the worker threads, the blocking pool, the driver's own work, the queues, and
// last every unfinished task, whose destructors may still call weir::spawn. Cold code, apart
// from the worker loop (scheduler.cpp) that runs per task.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "scheduler.hpp"

namespace weir::detail {

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
        w->watch_queue_polls.assign(n, 0);
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
    // The queues are emptied first, while every task in them is alive: a task that has run is
    // in the registry too and is destroyed from there; one that never ran is only here.
    task_header* never_ran = nullptr;
    auto keep_if_never_ran = [&never_ran](task_header* t) {
        if (!t->track_on_pause) return;
        t->queue_next = never_ran;
        never_ran = t;
    };
    for (task_header* t = inject_.close(); t;) {
        task_header* next = t->queue_next;
        keep_if_never_ran(t);
        t = next;
    }
    for (auto& w : workers_) {
        if (task_header* t = w->lifo.exchange(nullptr, std::memory_order_relaxed))
            keep_if_never_ran(t);
        while (task_header* t = w->queue.pop()) keep_if_never_ran(t);
    }
    // Destructors of the destroyed frames may call weir::spawn: let them find this runtime (it
    // refuses new tasks now, so they get a handle that reports operation_cancelled).
    thread_state saved = this_thread;
    this_thread.runtime = this;
    this_thread.worker = nullptr;
    while (never_ran) {
        task_header* t = never_ran;
        never_ran = t->queue_next;
        t->vt()->shutdown(t);
    }
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

}  // namespace weir::detail

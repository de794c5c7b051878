// The blocking pool behind spawn_blocking: threads apart from the workers, so a blocking call
// never stalls the scheduler. Jobs run in FIFO order.
// * Threads start on demand (when the queued jobs outnumber the idle threads, up to a cap) and
//   retire after a keep-alive with no job (runtime::options::blocking_keep_alive, 10 s as in
//   tokio), so a burst of blocking calls does not keep its threads forever. A thread is always
//   joined, never detached: a retiring thread leaves its handle in retired_ and joins the one
//   it finds there (an earlier retiree, already past the lock and returning), so at most one
//   exited thread waits to be joined, by the next retiree or by shutdown. No worker ever waits
//   for a join.
// * A thread that cannot start (std::system_error, EAGAIN; or no memory) is not fatal: if
//   another pool thread exists, the job stays queued and that thread takes it in turn; if none
//   does, submit rethrows with the job not queued (spawn_blocking then throws to its caller).
// * Shutdown drops the jobs that have not started (their awaiters see operation_cancelled) and
//   waits for the running ones, however long they take. There is no shutdown timeout (tokio
//   has shutdown_timeout): a thread cannot be killed safely (its locks, its heap, the job's
//   captures would be left half-done), and a thread left running, as tokio's timeout leaves
//   it, is safe only where the job owns what it touches: a C++ job commonly holds references to
//   a task's locals or to the runtime, which shutdown frees. A job that may block forever must
//   be given a way to stop (a flag, a closed descriptor) before the runtime is destroyed.
// In the event-loop build (no threads) the pool starts no thread: jobs wait in the queue until
// the runtime's next slice runs them on the host's thread (run_queued).
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "weir/detail/runtime_core.hpp"

namespace weir::detail {

/// Starts a pool thread running body. A variable so that a test can make it throw as
/// std::thread does when the system has no thread left (tests/core/test_blocking_pool.cpp).
inline std::thread (*start_blocking_thread)(std::function<void()> body) =
    [](std::function<void()> body) { return std::thread(std::move(body)); };
/// Called by a pool thread after it handed a job's result over and before it looks at the queue
/// again; null but in a test, which widens that window to show that the thread counts as idle
/// there (tests/core/test_blocking_pool.cpp).
inline void (*after_blocking_finish)() noexcept = nullptr;

class blocking_pool {
public:
    /// keep_alive: how long an idle thread waits for a job before it exits;
    /// nanoseconds::max() keeps idle threads until shutdown.
    blocking_pool(runtime_core* rt, std::size_t max_threads, std::chrono::nanoseconds keep_alive)
        : rt_(rt), max_threads_(max_threads), keep_alive_(keep_alive) {}
    ~blocking_pool() { shutdown(); }

    /// Queues j. Returns false if the pool is shut down (j untouched). Throws what starting a
    /// thread threw when no pool thread exists to take j (j untouched, not queued).
    bool submit(blocking_job* j) {
        std::unique_lock<std::mutex> lk(m_);
        if (closed_) return false;
        bool started = false;
        if (!inline_ && idle_ <= queued_ && threads_.size() < max_threads_) {
            // Not enough idle threads for the queued jobs and j: start one. It takes m_ first
            // thing, so it finds its handle in threads_ and j in the queue.
            try {
                threads_.reserve(threads_.size() + 1);  // push_back below cannot throw
                threads_.push_back(start_blocking_thread([this] { run(); }));
                started = true;
            } catch (...) {
                if (threads_.empty()) throw;  // nobody would ever run j
                // A running thread takes j when its turn comes.
            }
        }
        j->next = nullptr;
        if (tail_)
            tail_->next = j;
        else
            head_ = j;
        tail_ = j;
        ++queued_;
        lk.unlock();
        // inline_: the next slice runs it; started: the new thread takes it.
        if (!inline_ && !started) cv_.notify_one();
        return true;
    }

    /// Event-loop mode: no thread is ever started; the runtime calls run_queued.
    void run_inline() noexcept { inline_ = true; }
    /// Event-loop mode: runs, on the calling thread, the jobs queued before the call.
    void run_queued() noexcept {
        blocking_job* j;
        {
            std::lock_guard<std::mutex> lk(m_);
            j = head_;
            head_ = tail_ = nullptr;
            queued_ = 0;
        }
        while (j) {
            blocking_job* next = j->next;
            auto* finish = j->finish;  // before run: without finish, run may end j's lifetime
            j->run(j);
            if (finish) finish(j);  // may end j's lifetime
            j = next;
        }
    }
    bool has_queued() noexcept {
        std::lock_guard<std::mutex> lk(m_);
        return head_ != nullptr;
    }

    /// Threads running (busy or idle) and jobs waiting for one (runtime_metrics).
    std::pair<std::size_t, std::size_t> counts() noexcept {
        std::lock_guard<std::mutex> lk(m_);
        return {threads_.size(), queued_};
    }

    void shutdown() {
        blocking_job* dropped;
        std::vector<std::thread> threads;
        std::thread retired;
        {
            std::lock_guard<std::mutex> lk(m_);
            closed_ = true;  // from here on no thread retires and none starts
            dropped = head_;
            head_ = tail_ = nullptr;
            queued_ = 0;
            threads.swap(threads_);
            retired = std::move(retired_);
        }
        cv_.notify_all();
        while (dropped) {
            blocking_job* next = dropped->next;
            dropped->drop(dropped);
            dropped = next;
        }
        for (auto& t : threads) t.join();  // each finishes its running job first
        if (retired.joinable()) retired.join();
    }

private:
    void run() {
        // Jobs may call weir::spawn / spawn_blocking: they find the runtime through this.
        this_thread.runtime = rt_;
        std::unique_lock<std::mutex> lk(m_);
        for (;;) {
            if (blocking_job* j = head_) {
                head_ = j->next;
                if (!head_) tail_ = nullptr;
                --queued_;
                auto* finish = j->finish;  // before run: without finish, run may end j's lifetime
                lk.unlock();
                j->run(j);
                if (!finish) {
                    lk.lock();
                    continue;
                }
                // Counted idle while finish wakes the job's awaiter: a task woken there may call
                // spawn_blocking before this thread is back at the queue, and must find it idle
                // rather than start another thread (sequential jobs started extra threads on a
                // loaded machine). A submit meanwhile notifies the condition variable instead;
                // this thread takes the job at its next look at the queue.
                lk.lock();
                ++idle_;
                lk.unlock();
                finish(j);
                if (after_blocking_finish) after_blocking_finish();
                lk.lock();
                --idle_;
                continue;
            }
            if (closed_) return;
            ++idle_;
            auto ready = [&] { return head_ != nullptr || closed_; };
            bool woken = true;
            if (keep_alive_ == std::chrono::nanoseconds::max())
                cv_.wait(lk, ready);
            else
                woken = cv_.wait_for(lk, keep_alive_, ready);
            --idle_;
            if (!woken) return retire(lk);  // a keep-alive with nothing to do
        }
    }

    /// Called with m_ held by an idle thread whose keep-alive ran out: the queue is empty and
    /// submit no longer counts it as idle, so no job waits for it.
    void retire(std::unique_lock<std::mutex>& lk) {
        auto me = std::this_thread::get_id();
        auto it = std::find_if(threads_.begin(), threads_.end(),
                               [me](const std::thread& t) { return t.get_id() == me; });
        std::thread self = std::move(*it);
        if (it != threads_.end() - 1) *it = std::move(threads_.back());
        threads_.pop_back();
        std::thread earlier = std::exchange(retired_, std::move(self));
        lk.unlock();
        // The earlier retiree released m_ before this thread could take it; it is returning.
        if (earlier.joinable()) earlier.join();
    }

    runtime_core* rt_;
    std::mutex m_;
    std::condition_variable cv_;
    blocking_job* head_ = nullptr;
    blocking_job* tail_ = nullptr;
    std::size_t idle_ = 0;
    std::size_t queued_ = 0;
    std::size_t max_threads_;
    std::chrono::nanoseconds keep_alive_;
    bool closed_ = false;
    bool inline_ = false;  // event-loop mode
    std::vector<std::thread> threads_;
    std::thread retired_;  // the last thread that retired, to be joined
};

}  // namespace weir::detail

// The blocking pool behind spawn_blocking: threads apart from the workers, so a blocking call
// never stalls the scheduler. Threads start on demand (up to a cap) and then stay, idle threads
// waiting on a condition variable; jobs run in FIFO order. At shutdown, jobs that have not
// started are dropped (their awaiters see operation_cancelled) and running ones are waited for:
// a thread cannot be killed safely.
// In the event-loop build (no threads) the pool starts no thread: jobs wait in the queue until
// the runtime's next slice runs them on the host's thread (run_queued).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

#include "weir/detail/runtime_core.hpp"

namespace weir::detail {

class blocking_pool {
public:
    blocking_pool(runtime_core* rt, std::size_t max_threads) : rt_(rt), max_threads_(max_threads) {}
    ~blocking_pool() { shutdown(); }

    bool submit(blocking_job* j) {
        std::unique_lock<std::mutex> lk(m_);
        if (closed_) return false;
        j->next = nullptr;
        if (tail_)
            tail_->next = j;
        else
            head_ = j;
        tail_ = j;
        ++queued_;
        if (inline_) return true;  // the next slice runs it
        if (idle_ < queued_ && threads_.size() < max_threads_) {
            // Not enough idle threads for the queued jobs: start one.
            threads_.emplace_back([this] { run(); });
        } else {
            lk.unlock();
            cv_.notify_one();
        }
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
            j->run(j);  // may end j's lifetime
            j = next;
        }
    }
    bool has_queued() noexcept {
        std::lock_guard<std::mutex> lk(m_);
        return head_ != nullptr;
    }

    void shutdown() {
        blocking_job* dropped;
        {
            std::lock_guard<std::mutex> lk(m_);
            if (closed_ && threads_.empty()) return;
            closed_ = true;
            dropped = head_;
            head_ = tail_ = nullptr;
            queued_ = 0;
        }
        cv_.notify_all();
        while (dropped) {
            blocking_job* next = dropped->next;
            dropped->drop(dropped);
            dropped = next;
        }
        for (auto& t : threads_) t.join();
        threads_.clear();
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
                lk.unlock();
                j->run(j);
                lk.lock();
                continue;
            }
            if (closed_) return;
            ++idle_;
            cv_.wait(lk, [&] { return head_ != nullptr || closed_; });
            --idle_;
        }
    }

    runtime_core* rt_;
    std::mutex m_;
    std::condition_variable cv_;
    blocking_job* head_ = nullptr;
    blocking_job* tail_ = nullptr;
    std::size_t idle_ = 0;
    std::size_t queued_ = 0;
    std::size_t max_threads_;
    bool closed_ = false;
    bool inline_ = false;  // event-loop mode
    std::vector<std::thread> threads_;
};

}  // namespace weir::detail

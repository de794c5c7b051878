// Who is parked and who is searching, after tokio's idle.rs. One atomic word holds two counts:
// workers not parked ("unparked") and workers searching for work to steal. Rules:
//   * at most half the workers search at once (transition_to_searching refuses more), so a burst
//     of new work does not wake every worker to fight over it;
//   * new work wakes a parked worker only if nobody is searching already (notify_should_wakeup):
//     a searcher will find it;
//   * the last searcher to stop searching, if it found work and more is in sight (in its own
//     queue, another worker's or the global queue: runtime_core::work_in_sight), wakes another
//     worker (the work may be more than one worker can do); the last searcher to park re-checks
//     every queue first, which closes the race with a push that saw it still searching.
// The sleepers list is under a mutex: parking and unparking are already slow paths.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace weir::detail {

class idle {
public:
    explicit idle(std::size_t workers) : workers_(workers), state_(pack(0, workers)) {
        sleepers_.reserve(workers);
    }

    /// A worker wants to search; false if enough are searching already.
    bool transition_to_searching() noexcept {
        std::uint64_t s = state_.load(std::memory_order_seq_cst);
        if (2 * searching(s) >= workers_) return false;
        state_.fetch_add(searching_one, std::memory_order_seq_cst);
        return true;
    }
    /// A searcher found work (or gives up); returns true if it was the last searcher.
    bool transition_from_searching() noexcept {
        std::uint64_t prev = state_.fetch_sub(searching_one, std::memory_order_seq_cst);
        return searching(prev) == 1;
    }
    /// A worker parks; returns true if it was the last searcher.
    bool transition_to_parked(std::size_t index, bool is_searching) {
        std::lock_guard<std::mutex> lk(m_);
        std::uint64_t dec = 1 + (is_searching ? searching_one : 0);
        std::uint64_t prev = state_.fetch_sub(dec, std::memory_order_seq_cst);
        sleepers_.push_back(index);
        return is_searching && searching(prev) == 1;
    }
    /// Picks a parked worker to wake for new work, or returns -1 if none should be woken.
    /// The woken worker counts as searching.
    ///
    /// The caller has just published work (a queue's length store). That store and the load of
    /// state_ below are a store-then-load pair against a parking searcher's state_ update then
    /// queue load (notify_if_work_pending): without a full fence on both sides, x86 lets each
    /// load pass the other's store and both miss (a task left in the inject queue with every
    /// worker asleep; seen under ASan). So the fence is there unless `fenced`:
    ///   * the work went into the inject queue, whose length update is a seq_cst read-modify-
    ///     write (inject_queue.hpp): in C++'s single order of seq_cst operations it precedes
    ///     our seq_cst load, and the parker's fence then sees it, or we see the parker;
    ///   * the work went to the local queue of the worker calling, which runs it itself if
    ///     nobody steals it (it looks at its queue before it parks), so a miss there costs
    ///     parallelism, never a task. The timer owner's watch (parking.cpp) wakes a worker for
    ///     a busy worker's queue within lifo_watch_interval: an owner that parked while all
    ///     slept is woken to cap its sleep when a worker leaves park (docs/architecture.md,
    ///     "Parking and timers").
    /// That path is every spawn and every wake.
    std::ptrdiff_t worker_to_notify(bool fenced = false) {
        if (!fenced) std::atomic_thread_fence(std::memory_order_seq_cst);  // one, no write
        if (!should_wakeup()) return -1;
        std::lock_guard<std::mutex> lk(m_);
        if (!should_wakeup() || sleepers_.empty()) return -1;
        state_.fetch_add(1 + searching_one, std::memory_order_seq_cst);
        std::size_t w = sleepers_.back();
        sleepers_.pop_back();
        return static_cast<std::ptrdiff_t>(w);
    }
    /// A parked worker woke for its own reasons (a timer fired into its queue); returns false if
    /// it had already been picked by worker_to_notify (it then counts as searching).
    bool unpark_self(std::size_t index) {
        std::lock_guard<std::mutex> lk(m_);
        auto it = std::find(sleepers_.begin(), sleepers_.end(), index);
        if (it == sleepers_.end()) return false;
        sleepers_.erase(it);
        state_.fetch_add(1, std::memory_order_seq_cst);
        return true;
    }
    bool is_parked(std::size_t index) {
        std::lock_guard<std::mutex> lk(m_);
        return std::find(sleepers_.begin(), sleepers_.end(), index) != sleepers_.end();
    }
    std::size_t num_searching() const noexcept { return searching(state_.load()); }
    /// Workers not parked right now. A seq_cst load: the timer owner pairs it with its store of
    /// owner_uncapped_ (parking.cpp), and a relaxed load may be satisfied before that store
    /// (arm64: a plain ldr may complete ahead of an stlr), which breaks the pairing.
    std::size_t num_unparked() const noexcept {
        return unparked(state_.load(std::memory_order_seq_cst));
    }
    /// Some parked worker (the last to park), left parked; -1 if none. For handing over the
    /// timer role: the worker is unparked, finds itself still parked, and parks again holding it.
    std::ptrdiff_t any_sleeper() {
        std::lock_guard<std::mutex> lk(m_);
        return sleepers_.empty() ? -1 : static_cast<std::ptrdiff_t>(sleepers_.back());
    }

private:
    static constexpr std::uint64_t searching_one = std::uint64_t(1) << 32;
    static std::uint64_t pack(std::uint64_t searching, std::uint64_t unparked) {
        return (searching << 32) | unparked;
    }
    static std::uint64_t searching(std::uint64_t s) { return s >> 32; }
    static std::uint64_t unparked(std::uint64_t s) { return s & 0xffffffffu; }
    bool should_wakeup() const noexcept {
        std::uint64_t s = state_.load(std::memory_order_seq_cst);
        return searching(s) == 0 && unparked(s) < workers_;
    }

    std::size_t workers_;
    std::atomic<std::uint64_t> state_;
    std::mutex m_;
    std::vector<std::size_t> sleepers_;
};

}  // namespace weir::detail

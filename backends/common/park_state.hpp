// The handshake every native parker shares (the thread parker, and the uring and asio drivers,
// which the timer owner parks on): one atomic word, empty / parked / notified. unpark() costs one
// atomic exchange and only does the backend's expensive wake-up (condition variable, eventfd
// write, posted handler) when the other thread really sleeps; an unpark that comes first is kept
// and makes the next park return at once.
#pragma once

#include <atomic>

namespace weir::detail {

class park_state {
public:
    /// The parking thread's fast path: takes a pending unpark. True if there was one.
    bool take_notification() noexcept {
        int expected = notified_;
        return s_.compare_exchange_strong(expected, empty_, std::memory_order_acquire);
    }
    /// The parking thread announces it is about to sleep. False if an unpark came meanwhile
    /// (it is consumed): then do not sleep.
    bool begin_sleep() noexcept {
        int expected = empty_;
        if (s_.compare_exchange_strong(expected, parked_, std::memory_order_acquire)) return true;
        s_.store(empty_, std::memory_order_relaxed);
        return false;
    }
    /// The parking thread is awake again (woken, timed out or spurious).
    void end_sleep() noexcept { s_.store(empty_, std::memory_order_release); }
    /// For a sleep's wake-up condition: an unpark has arrived.
    bool is_notified() const noexcept { return s_.load(std::memory_order_acquire) == notified_; }
    /// unpark: records the notification; true if the thread sleeps and must be woken.
    bool notify() noexcept { return s_.exchange(notified_, std::memory_order_acq_rel) == parked_; }
    /// parker::consume_unpark (sequentially consistent, see parker.hpp).
    bool consume() noexcept {
        int expected = notified_;
        return s_.compare_exchange_strong(expected, empty_, std::memory_order_seq_cst);
    }

private:
    static constexpr int empty_ = 0, parked_ = 1, notified_ = 2;
    std::atomic<int> s_{empty_};
};

}  // namespace weir::detail

// A tiny lock for critical sections of a few dozen instructions (cancellation callback lists,
// waiter lists of one sync primitive). Uncontended it costs one exchange to lock and one store
// to unlock, like std::mutex, but it is one byte and never enters the kernel; under contention it
// spins on a plain load (no cache-line ping-pong) and yields the thread after a short spin so a
// preempted holder on a 2-core machine gets the CPU back.
#pragma once

#include <atomic>
#include <thread>

namespace weir::detail {

class spin_lock {
public:
    void lock() noexcept {
        for (;;) {
            if (!locked_.exchange(true, std::memory_order_acquire)) return;
            int spins = 0;
            while (locked_.load(std::memory_order_relaxed)) {
                if (++spins > 64) {
                    std::this_thread::yield();
                    spins = 0;
                }
            }
        }
    }
    bool try_lock() noexcept {
        return !locked_.load(std::memory_order_relaxed) &&
               !locked_.exchange(true, std::memory_order_acquire);
    }
    void unlock() noexcept { locked_.store(false, std::memory_order_release); }
    /// Waits until nobody holds the lock. For the destructor of a primitive that wakes waiters
    /// while holding its lock: a woken task may run at once on another thread and destroy the
    /// primitive before the waker has unlocked, so the destructor waits for that unlock.
    void quiesce() noexcept {
        lock();
        unlock();
    }

private:
    std::atomic<bool> locked_{false};
};

}  // namespace weir::detail

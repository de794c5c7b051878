// Native park backend: a parker built on std::mutex + std::condition_variable behind an atomic
// state word, so unpark costs one atomic exchange when the other thread is not asleep, and the
// lock is only taken to hand over a real sleep. Portable (Linux, Windows via mingw, macOS).
// It is also the driver of a runtime without I/O (io_backend "none"); select_driver.cpp picks.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "weir/detail/parker.hpp"

namespace weir::detail {
namespace {

class cv_parker : public driver {
public:
    void park(std::int64_t timeout_ns) override {
        // Fast path: a pending unpark is consumed without touching the lock.
        int expected = notified;
        if (state_.compare_exchange_strong(expected, empty, std::memory_order_acquire)) return;
        if (timeout_ns == 0) return;
        std::unique_lock<std::mutex> lk(m_);
        expected = empty;
        if (!state_.compare_exchange_strong(expected, parked, std::memory_order_acquire)) {
            // Must have been notified between the two checks.
            state_.store(empty, std::memory_order_relaxed);
            return;
        }
        if (timeout_ns < 0) {
            cv_.wait(lk, [&] { return state_.load(std::memory_order_acquire) == notified; });
        } else {
            cv_.wait_for(lk, std::chrono::nanoseconds(timeout_ns),
                         [&] { return state_.load(std::memory_order_acquire) == notified; });
        }
        state_.store(empty, std::memory_order_release);
    }

    void unpark() noexcept override {
        if (state_.exchange(notified, std::memory_order_acq_rel) == parked) {
            // Taking the lock orders this notify after the parker started waiting.
            { std::lock_guard<std::mutex> lk(m_); }
            cv_.notify_one();
        }
    }

    bool consume_unpark() noexcept override {
        int expected = notified;
        return state_.compare_exchange_strong(expected, empty, std::memory_order_seq_cst);
    }

    const char* name() const noexcept override { return "thread_park"; }

private:
    static constexpr int empty = 0, parked = 1, notified = 2;
    std::atomic<int> state_{empty};
    std::mutex m_;
    std::condition_variable cv_;
};

}  // namespace

std::unique_ptr<parker> make_thread_parker() { return std::make_unique<cv_parker>(); }
std::unique_ptr<driver> make_parking_driver() { return std::make_unique<cv_parker>(); }
unsigned hardware_threads() noexcept {
    unsigned n = std::thread::hardware_concurrency();
    return n ? n : 1;
}

}  // namespace weir::detail

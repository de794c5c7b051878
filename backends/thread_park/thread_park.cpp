// Native park backend: a parker built on std::mutex + std::condition_variable behind an atomic
// state word, so unpark costs one atomic exchange when the other thread is not asleep, and the
// lock is only taken to hand over a real sleep. Portable (Linux, Windows via mingw, macOS).
// It is also the driver of a runtime without I/O (io_backend "none"); select_driver.cpp picks.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "../common/park_state.hpp"
#include "weir/detail/parker.hpp"

namespace weir::detail {
namespace {

class cv_parker : public driver {
public:
    void park(std::int64_t timeout_ns) override {
        // Fast path: a pending unpark is consumed without touching the lock.
        if (state_.take_notification() || timeout_ns == 0) return;
        std::unique_lock<std::mutex> lk(m_);
        if (!state_.begin_sleep()) return;  // notified between the two checks
        if (timeout_ns < 0)
            cv_.wait(lk, [&] { return state_.is_notified(); });
        else
            cv_.wait_for(lk, std::chrono::nanoseconds(timeout_ns),
                         [&] { return state_.is_notified(); });
        state_.end_sleep();
    }

    void unpark() noexcept override {
        if (state_.notify()) {
            // Taking the lock orders this notify after the parker started waiting.
            { std::lock_guard<std::mutex> lk(m_); }
            cv_.notify_one();
        }
    }

    bool consume_unpark() noexcept override { return state_.consume(); }

    const char* name() const noexcept override { return "thread_park"; }

private:
    park_state state_;
    std::mutex m_;
    std::condition_variable cv_;
};

}  // namespace

std::unique_ptr<parker> make_thread_parker() { return std::make_unique<cv_parker>(); }
std::unique_ptr<driver> make_parking_driver() { return std::make_unique<cv_parker>(); }
bool backend_runs_on_event_loop() noexcept { return false; }
unsigned hardware_threads() noexcept {
    unsigned n = std::thread::hardware_concurrency();
    return n ? n : 1;
}

}  // namespace weir::detail

// How tasks tell the driver (the benchmark's main thread) that an iteration's work is done.
// Natively and in the threads build the driver blocks on a semaphore, as the peers' rules say
// (in the threads build one on a futex: futex_semaphore.hpp says why not libc++'s there).
// In the event-loop build the driver's thread is the runtime's only executor, and blocking it on
// a semaphore would stop the very tasks it waits for: it waits in block_on on a weir::notify
// instead, which runs the runtime until the signals have come (also allowed by the rules:
// "block_on of a join handle" is the same wait).
#pragma once

#include <atomic>
#include <cstddef>
#include <semaphore>
#include <weir/detail/parker.hpp>
#include <weir/notify.hpp>
#include <weir/runtime.hpp>

#ifdef __EMSCRIPTEN_PTHREADS__
#include "futex_semaphore.hpp"
#endif

namespace weir_bench {

class driver_signal {
public:
    /// One signal (any thread, any task).
    void post() noexcept {
        if (!on_event_loop_) {
            sem_.release();
            return;
        }
        posted_.fetch_add(1, std::memory_order_release);
        ready_.notify_one();
    }
    /// The driver: waits for n signals.
    void wait(weir::runtime& rt, std::size_t n = 1) {
        if (!on_event_loop_) {
            for (std::size_t i = 0; i < n; ++i) sem_.acquire();
            return;
        }
        while (posted_.load(std::memory_order_acquire) < n) rt.block_on(ready_.notified());
        posted_.fetch_sub(n, std::memory_order_relaxed);
    }

private:
    bool on_event_loop_ = weir::detail::backend_runs_on_event_loop();
#ifdef __EMSCRIPTEN_PTHREADS__
    futex_semaphore sem_;
#else
    std::counting_semaphore<> sem_{0};
#endif
    std::atomic<std::size_t> posted_{0};
    weir::notify ready_;
};

}  // namespace weir_bench

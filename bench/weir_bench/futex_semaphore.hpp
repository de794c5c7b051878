// The driver's semaphore in the WebAssembly threads build: a count and a futex wait on it
// (Atomics.wait underneath), the way libstdc++'s std::counting_semaphore blocks natively.
//
// Why not std::counting_semaphore there: Emscripten's libc++ has no futex behind atomic waits.
// Its acquire polls, yields for 64 us, then sleeps in growing steps (half the time waited so
// far), so a driver waiting 300 us wakes about 100 us after the release. Measured in the threads
// build (1 worker, ping_pong's 1,000 pings): from the last release to the driver running again
// took 100 us a round, against 9 us natively, almost half the round's 448 us. That is the
// harness's wait, not the runtime's, and the peers' rules ask for a driver blocked on a
// semaphore, not for libc++'s backoff: this one blocks and wakes like the native one.
#pragma once

#include <emscripten/threading.h>

#include <atomic>
#include <cmath>
#include <cstdint>

namespace weir_bench {

class futex_semaphore {
public:
    /// One more unit; wakes the waiter if it sleeps. Any thread.
    void release() noexcept {
        count_.fetch_add(1, std::memory_order_seq_cst);
        if (sleeping_.load(std::memory_order_seq_cst) != 0)
            emscripten_futex_wake(static_cast<volatile void*>(&count_), 1);
    }
    /// Takes a unit, waiting for one. One waiter at a time (the driver).
    void acquire() noexcept {
        for (int polls = 0;; ++polls) {
            std::int32_t c = count_.load(std::memory_order_acquire);
            if (c > 0) {
                if (count_.compare_exchange_weak(c, c - 1, std::memory_order_acquire)) return;
                continue;
            }
            if (polls < 64) continue;  // as libstdc++ does, a short spin before the futex
            sleeping_.store(1, std::memory_order_seq_cst);
            // The release's increment comes before its look at sleeping_, and our store before
            // this wait: either it sees us asleep and wakes us, or the wait sees the count above
            // zero and returns at once.
            emscripten_futex_wait(static_cast<volatile void*>(&count_), 0, INFINITY);
            sleeping_.store(0, std::memory_order_relaxed);
        }
    }

private:
    static_assert(sizeof(std::atomic<std::int32_t>) == sizeof(std::int32_t), "a futex word");
    std::atomic<std::int32_t> count_{0};
    std::atomic<std::int32_t> sleeping_{0};
};

}  // namespace weir_bench

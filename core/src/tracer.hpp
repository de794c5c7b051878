// A runtime's tracer: one trace_ring per worker, written only by that worker, plus one ring for
// every other thread (the block_on thread, a remote spawner, I/O helper threads), whose writers
// take a spin lock: they are not on a worker's hot path. The rings are made by the first
// start() and kept until the runtime ends, so a worker never sees them change.
//
// Cost while on, per event, is what the overhead budget is spent on (docs/observability.md):
//   * time: only a poll's start, a park, an unpark and events of threads outside the workers read
//     the clock; other events of a worker (spawn, wake, steal, finish, I/O) reuse the stamp of
//     the poll they happen in. The clock is the CPU's time-stamp counter where there is one
//     (x86-64: about 9 ns here against 21 ns for steady_clock::now), converted to ns when the
//     trace is taken, from two (counter, steady_clock) pairs;
//   * a poll's end is not recorded: it is where the worker's next poll or park begins, and
//     take() writes the poll_end events from that;
//   * a task requeuing itself (yield, spent budget) records nothing.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "trace_ring.hpp"
#include "weir/detail/spin_lock.hpp"
#include "weir/detail/trace_hooks.hpp"
#include "weir/trace.hpp"

namespace weir::detail {

class tracer {
public:
    tracer(std::size_t workers, std::chrono::steady_clock::time_point start);
    ~tracer() { stop(); }

    /// Turns recording on; the rings get events_per_ring slots (rounded up to a power of two) the
    /// first time. Idempotent.
    void start(std::size_t events_per_ring);
    void stop() noexcept;
    bool on() const noexcept { return on_.load(std::memory_order_acquire); }  // rings_ made

    /// A clock reading in ticks (see the file comment).
    static std::uint64_t stamp() noexcept {
#if (defined(__x86_64__) || defined(__i386__)) && !defined(__EMSCRIPTEN__)
        return __builtin_ia32_rdtsc();
#else
        return static_cast<std::uint64_t>(
            std::chrono::steady_clock::now().time_since_epoch().count());
#endif
    }

    /// Records an event of worker w (>= 0) with timestamp ts, or of another thread (w = -1,
    /// stamped here). Call only when on().
    void record(std::ptrdiff_t w, std::uint64_t ts, trace::kind k, std::uint64_t task,
                std::uint64_t a, std::uint32_t b) noexcept {
        raw_event e{ts, task, a, b, static_cast<std::uint8_t>(k), 0, static_cast<std::int16_t>(w)};
        if (w >= 0) {
            rings_[static_cast<std::size_t>(w)]->push(e);
        } else {
            std::lock_guard<spin_lock> g(outside_lock_);
            e.ts = stamp();  // under the lock: the shared ring stays in time order
            rings_[workers_]->push(e);
        }
    }
    /// A spawn and the site record that follows it (kept together in the shared ring).
    void record_spawn(std::ptrdiff_t w, std::uint64_t ts, std::uint64_t task, std::uint64_t parent,
                      const char* name, const char* file, std::uint32_t line) noexcept {
        raw_event e{ts,
                    task,
                    parent,
                    0,
                    static_cast<std::uint8_t>(trace::kind::spawn),
                    0,
                    static_cast<std::int16_t>(w)};
        raw_event site{ts,
                       reinterpret_cast<std::uintptr_t>(name),
                       reinterpret_cast<std::uintptr_t>(file),
                       line,
                       raw_site,
                       0,
                       static_cast<std::int16_t>(w)};
        if (w >= 0) {
            rings_[static_cast<std::size_t>(w)]->push(e);
            rings_[static_cast<std::size_t>(w)]->push(site);
        } else {
            std::lock_guard<spin_lock> g(outside_lock_);
            e.ts = site.ts = stamp();
            rings_[workers_]->push(e);
            rings_[workers_]->push(site);
        }
    }

    /// Drains every ring into a log (times in ns, names resolved). Safe while workers record.
    void take(trace::log& out);

private:
    std::uint64_t to_ns(std::uint64_t ticks) const noexcept;

    std::size_t workers_;
    std::chrono::steady_clock::time_point start_;
    std::atomic<bool> on_{false};
    std::mutex control_;                              // start / stop / take
    std::vector<std::unique_ptr<trace_ring>> rings_;  // workers_ + 1, made once
    spin_lock outside_lock_;
    // Conversion of stamps to ns since start_: two (stamp, ns) pairs, the first taken at start
    // and the second at each take (a longer span, a better rate).
    std::uint64_t tick0_ = 0, ns0_ = 0;
    double ns_per_tick_ = 1.0;
    std::vector<std::uint64_t> open_poll_;  // per ring: task of the poll still running, or 0
    std::vector<raw_event> raw_;            // take's scratch, kept to avoid regrowing it
};

}  // namespace weir::detail

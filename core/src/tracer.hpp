// A runtime's tracer: one trace_ring per worker, written only by that worker, plus one ring for
// every other thread (the block_on thread, a remote spawner, I/O helper threads), whose writers
// take a spin lock: they are not on a worker's hot path. The rings are made by the first
// prepare() and kept until the runtime ends, so a worker never sees them change.
//
// Cost while on, per event, is what the overhead budget is spent on (docs/observability.md):
//   * size: a poll's start, a wake-up and a finish are one 64-bit word, other events four
//     (trace_ring.hpp); a spawn by the task being polled is four, its time and parent the poll's;
//   * time: only a poll's start, a park, an unpark, a steal, a timer firing, a channel's depth
//     and events of threads outside the workers read the clock; other events of a worker (spawn,
//     wake, finish, I/O, stream stages) take the time of the poll they happen in. The clock is
//     the CPU's time-stamp counter where there is one (x86-64), converted to ns when the trace
//     is taken, from two (counter, steady_clock) pairs, each read with steady_clock on both
//     sides of the counter (a pair read across a preemption of the taking thread gives a rate
//     wrong by the preemption over the span measured, which moved the events of a whole take
//     past later ones); elsewhere (WebAssembly, arm64) it is steady_clock's ns, used as they are;
//   * sparse stamping: reading the counter costs about 9 ns here, a quarter of a short poll (a
//     yield is about 35 ns). So while a worker's polls are short (a mean under 1 µs since its
//     last stamp), only every 16th poll reads the clock; the polls between are recorded without
//     a time, and take() spreads them evenly between the stamped events around them. A long
//     poll ends the sparse stretch at the next stamp: its time is then shared by at most the 16
//     polls of one stretch, which the trace cannot tell apart. Parks, unparks, steals and timer
//     firings are always stamped, and the poll after them too;
//   * a poll's end is not recorded: take() writes it where the worker records the next thing it
//     does between polls (a poll, a park, a steal, a timer firing);
//   * a task requeuing itself (yield, spent budget) records nothing; the next poll says that
//     it was a self-wake.
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

#if (defined(__x86_64__) || defined(__i386__)) && !defined(__EMSCRIPTEN__)
#define WEIR_TRACE_TSC 1  // stamps are the time-stamp counter, converted at take
#else
#define WEIR_TRACE_TSC 0  // stamps are steady_clock's ns
#endif

namespace weir::detail {

/// While a worker's polls are short, one poll in this many reads the clock (see above).
inline constexpr std::uint32_t sparse_stamp_every = 16;

class tracer {
public:
    tracer(std::size_t workers, std::chrono::steady_clock::time_point start);
    ~tracer() { stop(); }

    /// Makes the rings, the first time: events_per_ring slots each (rounded up to a power of
    /// two; a slot is a word, an event one or four of them).
    void prepare(std::size_t events_per_ring);
    /// Turns recording on (after prepare). Idempotent.
    void start();
    void stop() noexcept;
    bool on() const noexcept { return on_.load(std::memory_order_acquire); }  // rings_ made
    /// How many times recording started: a worker that sees a new value after on() begins its
    /// part of the new session with a gap record and a fresh stamp (runtime_core::trace_resync).
    std::uint32_t gen() const noexcept { return gen_.load(std::memory_order_relaxed); }

    /// A clock reading in ticks (see the file comment).
    static std::uint64_t stamp() noexcept {
#if WEIR_TRACE_TSC
        return __builtin_ia32_rdtsc();
#else
        return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                              std::chrono::steady_clock::now().time_since_epoch())
                                              .count());
#endif
    }

    /// Records an event of worker w (>= 0) with timestamp ts (0: inside a poll left unstamped,
    /// see sparse stamping above), or of another thread (w = -1, stamped here). A long record
    /// (trace_ring.hpp). Call only when on().
    void record(std::ptrdiff_t w, std::uint64_t ts, trace::kind k, std::uint64_t task,
                std::uint64_t a, std::uint32_t b) noexcept {
        std::uint64_t head = static_cast<std::uint8_t>(k) | std::uint64_t(b) << 16;
        if (w >= 0) {
            rings_[static_cast<std::size_t>(w)]->push_long(head, ts, task, a);
        } else {
            std::lock_guard<spin_lock> g(outside_lock_);
            rings_[workers_]->push_long(head, stamp(), task, a);  // under the lock: in time order
        }
    }
    /// A spawn by the task worker ring r is polling, in one record of four words
    /// (raw_spawn_in_poll): its time and its parent are those of the poll, found when decoding.
    static void record_spawn_in_poll(trace_ring& r, std::uint64_t task, const char* name,
                                     const char* file, std::uint32_t line) noexcept {
        r.push_long(raw_spawn_in_poll | std::uint64_t(line) << 16, task,
                    reinterpret_cast<std::uintptr_t>(name), reinterpret_cast<std::uintptr_t>(file));
    }
    trace_ring& ring(std::size_t worker) noexcept { return *rings_[worker]; }
    /// A spawn and the site record that follows it (kept together in the shared ring).
    void record_spawn(std::ptrdiff_t w, std::uint64_t ts, std::uint64_t task, std::uint64_t parent,
                      const char* name, const char* file, std::uint32_t line) noexcept {
        std::uint64_t spawn = static_cast<std::uint8_t>(trace::kind::spawn);
        std::uint64_t site = raw_site | std::uint64_t(line) << 16;
        auto n = reinterpret_cast<std::uintptr_t>(name);
        auto f = reinterpret_cast<std::uintptr_t>(file);
        if (w >= 0) {
            trace_ring& r = *rings_[static_cast<std::size_t>(w)];
            r.push_long(spawn, ts, task, parent);
            r.push_long(site, ts, n, f);
        } else {
            std::lock_guard<spin_lock> g(outside_lock_);
            ts = stamp();
            rings_[workers_]->push_long(spawn, ts, task, parent);
            rings_[workers_]->push_long(site, ts, n, f);
        }
    }
    /// Ticks under which a worker's mean poll counts as short (sparse stamping): 1 µs.
    std::uint64_t short_poll_ticks() const noexcept { return short_ticks_; }

    /// Moves what the rings hold into the tracer's own memory without decoding it (a copy of
    /// words), so that the rings do not fill; the next take() decodes it with the rest. Returns
    /// the words moved. For a reader that must keep up with busy workers: measured here, take()
    /// costs about 70 ns per event and this about 9 ns per word.
    std::uint64_t collect();
    /// Drains every ring into a log (times in ns, names resolved). Safe while workers record.
    void take(trace::log& out);

private:
    std::uint64_t to_ns(std::uint64_t ticks) const noexcept;
    void decode(std::size_t ring, const std::vector<std::uint64_t>& words,
                std::vector<raw_event>& out);
    static void fill_unstamped(std::vector<raw_event>& raw, std::vector<raw_event>& held,
                               bool final, std::uint64_t& last_io);

    // Read by every recording site: a line of their own, away from the runtime's written
    // fields (a shared line made each check a miss with 2 workers).
    alignas(64) std::atomic<bool> on_{false};
    std::atomic<std::uint32_t> gen_{0};  // starts so far (see gen)
    std::size_t workers_;
    std::vector<std::unique_ptr<trace_ring>> rings_;  // workers_ + 1, made once
    std::uint64_t short_ticks_ = 1000;
    alignas(64) spin_lock outside_lock_;
    std::chrono::steady_clock::time_point start_;
    std::mutex control_;  // start / stop / take
    // Conversion of stamps to ns since start_: two (stamp, ns) pairs, the first taken at start
    // and the second at each take (a longer span, a better rate).
    std::uint64_t tick0_ = 0, ns0_ = 0;
    double ns_per_tick_ = 1.0;
    std::vector<std::vector<raw_event>> held_;  // per ring: unstamped events awaiting a bound
    std::vector<std::uint64_t> open_poll_;      // per ring: task of the poll still running, or 0
    std::vector<std::uint64_t> last_ns_;        // per ring: time of its last event taken
    std::vector<raw_event> raw_;                // take's scratch, kept to avoid regrowing it
    std::vector<std::uint64_t> words_;          // take's scratch: a ring's words
    std::vector<std::uint64_t> decode_ts_;      // per ring: time of its last record decoded
    std::vector<std::uint64_t> decode_poll_;    // per ring: task of its last poll_begin decoded
    std::vector<std::uint64_t> fill_last_;      // per ring: the stamp before its held-back run
    std::vector<std::vector<std::uint64_t>> collected_;  // per ring: words collect() moved
    std::vector<bool> poll_done_;  // per ring: the task of the open poll finished in it
};

}  // namespace weir::detail

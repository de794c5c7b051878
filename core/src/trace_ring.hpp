// One worker's trace buffer: a fixed ring of 64-bit words with one writer (the worker) and one
// reader (whoever drains the trace). No allocation, lock or syscall on the writer's side; a full
// ring drops the new record and counts it, so a reader that falls behind loses the newest events,
// never corrupts older ones.
//
// Records are one word or four (a yielding task polls every 35 ns here, and writing 32 bytes per
// poll cost as much as all the rest of the recording):
//   short (1 word):  kind | small << 9 | task << 16     no time of its own: an unstamped poll's
//                                                        start (time 0), or an event inside a poll
//                                                        (a wake-up, a finish: the poll's time)
//   long (4 words):  kind | 1 << 8 | b << 16, ts, task, a
// kind is a trace::kind or raw_site / raw_gap / raw_spawn_in_poll; small is 7 bits; task must be
// below 2^48 for a short record (ids are sequential: a long record is used above that). The reader
// decodes the words back into raw_events (tracer::take).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "weir/trace.hpp"

namespace weir::detail {

/// An event as decoded from a ring: the time in clock ticks (see tracer::stamp; 0: not stamped,
/// interpolated when drained), converted to ns when drained. A spawn is followed by a `site`
/// record carrying the static strings of its name and location (task names are interned for
/// the process, files are string literals), resolved into log::names indices when drained.
struct raw_event {
    std::uint64_t ts;
    std::uint64_t task;
    std::uint64_t a;
    std::uint64_t meta;  // b | kind << 32 | (uint16_t)worker << 48

    std::uint32_t b() const noexcept { return static_cast<std::uint32_t>(meta); }
    std::uint8_t k() const noexcept { return static_cast<std::uint8_t>(meta >> 32); }
    std::int16_t worker() const noexcept { return static_cast<std::int16_t>(meta >> 48); }
    static std::uint64_t pack(std::uint32_t b, std::uint8_t k, std::ptrdiff_t worker) noexcept {
        return b | std::uint64_t(k) << 32 | std::uint64_t(static_cast<std::uint16_t>(worker)) << 48;
    }
};
/// The record after a spawn: task = its name (const char*), a = its file, b = its line.
inline constexpr std::uint8_t raw_site = 0xff;
/// Where events were dropped (a full ring).
inline constexpr std::uint8_t raw_gap = 0xfe;
/// A spawn by the task being polled, long: ts = the task's id, task = its name, a = its file,
/// b = its line; decoded into a spawn and its site (tracer::decode).
inline constexpr std::uint8_t raw_spawn_in_poll = 0xfd;

/// The word of a short record (see the file comment).
inline constexpr std::uint64_t short_record(std::uint8_t kind, std::uint64_t small,
                                            std::uint64_t task) noexcept {
    return kind | small << 9 | task << 16;
}
inline constexpr std::uint64_t long_bit = 1 << 8;
inline constexpr std::uint64_t short_task_limit = std::uint64_t(1) << 48;

class trace_ring {
public:
    explicit trace_ring(std::size_t capacity_pow2)
        : mask_(capacity_pow2 - 1), words_(new std::uint64_t[capacity_pow2]()) {}  // touched now

    /// A short record: a store of the word and the publishing store.
    void push_short(std::uint64_t word) noexcept {
        std::uint64_t t = tail_.load(std::memory_order_relaxed);  // we are the only writer
        if (t - head_seen_ + 2 > mask_ + 1 || gap_) {             // see room
            if (!room(t, 1)) return;
            t = tail_.load(std::memory_order_relaxed);
        }
        words_[t & mask_] = word;
        tail_.store(t + 1, std::memory_order_release);
    }
    /// A long record, written in place (built on the stack and copied, the narrow stores
    /// stalled the wide loads of the copy).
    void push_long(std::uint64_t head, std::uint64_t ts, std::uint64_t task,
                   std::uint64_t a) noexcept {
        std::uint64_t t = tail_.load(std::memory_order_relaxed);
        if (t - head_seen_ + 5 > mask_ + 1 || gap_) {
            if (!room(t, 4)) return;
            t = tail_.load(std::memory_order_relaxed);
        }
        words_[t & mask_] = head | long_bit;
        words_[(t + 1) & mask_] = ts;
        words_[(t + 2) & mask_] = task;
        words_[(t + 3) & mask_] = a;
        tail_.store(t + 4, std::memory_order_release);
    }
    /// Moves every recorded word to out (the only reader). Records are published whole.
    void drain(std::vector<std::uint64_t>& out) {
        std::uint64_t h = head_.load(std::memory_order_relaxed);
        std::uint64_t t = tail_.load(std::memory_order_acquire);
        for (; h != t; ++h) out.push_back(words_[h & mask_]);
        head_.store(h, std::memory_order_release);
    }
    std::uint64_t take_dropped() noexcept {
        return dropped_.exchange(0, std::memory_order_relaxed);
    }

private:
    /// The slow path, where the ring looked nearly full or a gap record is due: reads the
    /// reader's position again.
    /// A record of n words needs n free words plus one kept for a gap record; without them it
    /// is dropped and counted. After drops, the first record with room is preceded by a gap
    /// record (short, raw_gap), so that the reader does not take the time between the events
    /// around it for one long poll.
    bool room(std::uint64_t t, std::uint64_t n) noexcept {
        head_seen_ = head_.load(std::memory_order_acquire);
        std::uint64_t need = n + (gap_ ? 1 : 0);  // and one more word kept for a later gap
        if (t - head_seen_ + need + 1 > mask_ + 1) {
            dropped_.fetch_add(1, std::memory_order_relaxed);
            gap_ = true;
            return false;
        }
        if (gap_) {
            words_[t & mask_] = short_record(raw_gap, 0, 0);
            tail_.store(t + 1, std::memory_order_release);
            gap_ = false;
        }
        return true;
    }

    std::uint64_t mask_;
    std::unique_ptr<std::uint64_t[]> words_;
    alignas(64) std::atomic<std::uint64_t> head_{0};
    alignas(64) std::atomic<std::uint64_t> tail_{0};
    std::uint64_t head_seen_ = 0;  // the writer's last look at head_
    bool gap_ = false;             // records were dropped since the last one written
    std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace weir::detail

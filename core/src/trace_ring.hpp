// One worker's trace buffer: a fixed ring of raw events with one writer (the worker) and one
// reader (whoever drains the trace). The writer's push is a relaxed load, four stores and a
// release store: no allocation, lock or syscall. A full ring drops the new event and counts it, so a
// reader that falls behind loses the newest events, never corrupts older ones.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "weir/trace.hpp"

namespace weir::detail {

/// An event as recorded, 32 bytes (half a cache line per event): the time in clock ticks (see
/// tracer::stamp; 0: not stamped, interpolated when drained), converted to ns when drained. A
/// spawn is followed by a `site` record carrying the static strings of its name and location
/// (task names are interned for the process, files are string literals), resolved into
/// log::names indices when drained.
struct raw_event {
    std::uint64_t ts;
    std::uint64_t task;
    std::uint64_t a;
    std::uint64_t meta;  // b | kind << 32 | (uint16_t)worker << 48: one store, built in registers

    std::uint32_t b() const noexcept { return static_cast<std::uint32_t>(meta); }
    std::uint8_t k() const noexcept { return static_cast<std::uint8_t>(meta >> 32); }
    std::int16_t worker() const noexcept { return static_cast<std::int16_t>(meta >> 48); }
    static std::uint64_t pack(std::uint32_t b, std::uint8_t k, std::ptrdiff_t worker) noexcept {
        return b | std::uint64_t(k) << 32 | std::uint64_t(static_cast<std::uint16_t>(worker)) << 48;
    }
};
static_assert(sizeof(raw_event) == 32);
/// The record after a spawn: task = its name (const char*), a = its file, b = its line.
inline constexpr std::uint8_t raw_site = 0xff;
/// Where events were dropped (a full ring).
inline constexpr std::uint8_t raw_gap = 0xfe;

class trace_ring {
public:
    explicit trace_ring(std::size_t capacity_pow2)
        : mask_(capacity_pow2 - 1), slots_(new raw_event[capacity_pow2]()) {}  // pages touched now

    /// The event is written field by field into its slot: built on the stack and copied, its
    /// narrow fields' stores would stall the wide loads of the copy (store forwarding fails), a
    /// cost measured at a sixth of a short poll. The reader's position is cached: the shared
    /// head is read again only when the ring looks full.
    void push(std::uint64_t ts, std::uint64_t task, std::uint64_t a, std::uint64_t meta) noexcept {
        std::uint64_t t = tail_.load(std::memory_order_relaxed);  // we are the only writer
        if (t - head_seen_ >= mask_) {  // the last free slot is kept for a gap record
            if (!room(t)) return;
            t = tail_.load(std::memory_order_relaxed);
        }
        raw_event& s = slots_[t & mask_];
        s.ts = ts;
        s.task = task;
        s.a = a;
        s.meta = meta;
        tail_.store(t + 1, std::memory_order_release);
    }
    /// Moves every recorded event to out (the only reader).
    void drain(std::vector<raw_event>& out) {
        std::uint64_t h = head_.load(std::memory_order_relaxed);
        std::uint64_t t = tail_.load(std::memory_order_acquire);
        for (; h != t; ++h) out.push_back(slots_[h & mask_]);
        head_.store(h, std::memory_order_release);
    }
    /// The slow path of push, where the ring looked full: reads the reader's position again;
    /// still full, the event is dropped and counted. After drops, the first event with room is
    /// preceded by a gap record (raw_gap, in the slot kept for it), so that the reader does not
    /// take the time between the events around the gap for one long poll.
    bool room(std::uint64_t t) noexcept {
        head_seen_ = head_.load(std::memory_order_acquire);
        if (t - head_seen_ + 2 > mask_ + 1) {  // no room for the event and a gap record
            dropped_.fetch_add(1, std::memory_order_relaxed);
            gap_ = true;
            return false;
        }
        if (gap_) {
            slots_[t & mask_] = raw_event{0, 0, 0, raw_event::pack(0, raw_gap, 0)};
            tail_.store(t + 1, std::memory_order_release);
            gap_ = false;
        }
        return true;
    }
    std::uint64_t take_dropped() noexcept {
        return dropped_.exchange(0, std::memory_order_relaxed);
    }

private:
    std::uint64_t mask_;
    std::unique_ptr<raw_event[]> slots_;
    alignas(64) std::atomic<std::uint64_t> head_{0};
    alignas(64) std::atomic<std::uint64_t> tail_{0};
    std::uint64_t head_seen_ = 0;  // the writer's last look at head_
    bool gap_ = false;             // events were dropped since the last one written
    std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace weir::detail

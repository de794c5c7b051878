// One worker's trace buffer: a fixed ring of raw events with one writer (the worker) and one
// reader (whoever drains the trace). The writer's push is two relaxed loads, a copy and a release
// store: no allocation, lock or syscall. A full ring drops the new event and counts it, so a
// reader that falls behind loses the newest events, never corrupts older ones.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "weir/trace.hpp"

namespace weir::detail {

/// An event as recorded, 32 bytes (half a cache line per event): the time in clock ticks (see
/// tracer::stamp), converted to ns when drained. A spawn is followed by a `site` record carrying
/// the static strings of its name and location (task names are interned for the process, files
/// are string literals), resolved into log::names indices when drained.
struct raw_event {
    std::uint64_t ts;
    std::uint64_t task;
    std::uint64_t a;
    std::uint32_t b;
    std::uint8_t k;  // a trace::kind, or raw_site
    std::uint8_t pad = 0;
    std::int16_t worker;
};
static_assert(sizeof(raw_event) == 32);
/// The record after a spawn: task = its name (const char*), a = its file, b = its line.
inline constexpr std::uint8_t raw_site = 0xff;

class trace_ring {
public:
    explicit trace_ring(std::size_t capacity_pow2)
        : mask_(capacity_pow2 - 1), slots_(new raw_event[capacity_pow2]()) {}  // pages touched now

    void push(const raw_event& e) noexcept {
        std::uint64_t t = tail_.load(std::memory_order_relaxed);  // we are the only writer
        if (t - head_.load(std::memory_order_acquire) > mask_) {
            dropped_.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        slots_[t & mask_] = e;
        tail_.store(t + 1, std::memory_order_release);
    }
    /// Moves every recorded event to out (the only reader).
    void drain(std::vector<raw_event>& out) {
        std::uint64_t h = head_.load(std::memory_order_relaxed);
        std::uint64_t t = tail_.load(std::memory_order_acquire);
        for (; h != t; ++h) out.push_back(slots_[h & mask_]);
        head_.store(h, std::memory_order_release);
    }
    std::uint64_t take_dropped() noexcept {
        return dropped_.exchange(0, std::memory_order_relaxed);
    }

private:
    std::uint64_t mask_;
    std::unique_ptr<raw_event[]> slots_;
    alignas(64) std::atomic<std::uint64_t> head_{0};
    alignas(64) std::atomic<std::uint64_t> tail_{0};
    std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace weir::detail

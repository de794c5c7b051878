// A hierarchical timer wheel (the design of tokio's time driver, and of the Linux kernel's timers
// before it): 6 levels of 64 slots. Level 0 has one slot per millisecond (64 ms), level 1 one per
// 64 ms (4.1 s), level 2 one per 4.1 s (4.4 min), ... level 5 spans 2^36 ms, about 2.2 years.
//
// A timer goes into the lowest level whose slot range still separates its deadline from "now"
// (computed from the highest bit in which deadline and now differ), so insert is O(1): a bit scan
// and a list append. Cancel is an O(1) unlink. Each level keeps a 64-bit occupancy mask, so
// finding the next non-empty slot is a rotate and a count-trailing-zeros. When time reaches a
// slot on a higher level its timers are re-inserted lower down ("cascade"); each timer cascades
// at most 5 times in its life. Not thread-safe: the runtime guards it with one lock.
//
// Timers that fell due wait in a due list, in the order they fell due, until the runtime takes
// them (take_due): a runtime hands on only as many as the running worker's queue has room for
// (timers.cpp says why). A timer in the due list still counts as set: remove takes it out.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "weir/detail/intrusive_list.hpp"
#include "weir/detail/runtime_core.hpp"

namespace weir::detail {

class timer_wheel {
public:
    static constexpr unsigned levels = 6;
    static constexpr unsigned slots_per_level = 64;
    static constexpr unsigned bits_per_level = 6;
    static constexpr std::uint64_t max_span = std::uint64_t(1) << (bits_per_level * levels);

    /// Ticks processed so far ("now" as the wheel knows it).
    std::uint64_t elapsed() const noexcept { return elapsed_; }

    /// Inserts e (e->deadline in ticks). Returns false, without inserting, if it is already due.
    bool insert(timer_entry* e) noexcept {
        if (e->deadline <= elapsed_) return false;
        place(e);
        return true;
    }

    void remove(timer_entry* e) noexcept {
        if (e->level == due_level) {
            due_.erase(e);
            e->in_wheel = false;
            return;
        }
        unsigned level = e->level, slot = e->slot;
        auto& list = levels_[level].slots[slot];
        list.erase(e);
        if (list.empty()) levels_[level].occupied &= ~(std::uint64_t(1) << slot);
        e->in_wheel = false;
    }

    /// The tick at which the next non-empty slot becomes due, if any timer is set. Timers are
    /// never due before it (it may be earlier than their deadline: a cascade point).
    std::optional<std::uint64_t> next_expiration() const noexcept {
        if (!due_.empty()) return elapsed_;  // due already, waiting to be taken
        for (unsigned level = 0; level < levels; ++level) {
            if (auto d = next_in_level(level)) return d;
        }
        return std::nullopt;
    }

    /// Advances to `now`, appending every timer with deadline <= now to `fired` (unlinked,
    /// in_wheel = false) and cascading the rest of each due slot downwards.
    void advance(std::uint64_t now, intrusive_list<timer_entry>& fired) noexcept {
        advance(now);
        take_due(SIZE_MAX, fired);
    }

    /// Advances to `now`: every timer with deadline <= now joins the due list (after those
    /// already there), the rest of each due slot cascades downwards.
    void advance(std::uint64_t now) noexcept {
        for (;;) {
            std::optional<std::uint64_t> due;
            unsigned level = 0;
            for (; level < levels; ++level) {
                due = next_in_level(level);
                if (due) break;
            }
            if (!due || *due > now) break;
            elapsed_ = *due;
            unsigned slot = slot_of(*due, level);
            auto& list = levels_[level].slots[slot];
            levels_[level].occupied &= ~(std::uint64_t(1) << slot);
            intrusive_list<timer_entry> taken;
            taken.splice_back(list);
            while (timer_entry* e = taken.pop_front()) {
                if (e->deadline <= now) {
                    e->level = due_level;
                    due_.push_back(e);
                } else {
                    place(e);  // cascade to a lower level
                }
            }
        }
        if (now > elapsed_) elapsed_ = now;
    }

    /// Moves up to max due timers, oldest first, to `fired` (unlinked, in_wheel = false).
    void take_due(std::size_t max, intrusive_list<timer_entry>& fired) noexcept {
        for (std::size_t n = 0; n < max; ++n) {
            timer_entry* e = due_.pop_front();
            if (!e) break;
            e->in_wheel = false;
            fired.push_back(e);
        }
    }

    /// Due timers not taken yet.
    std::size_t due_count() const noexcept { return due_.size(); }

    bool empty() const noexcept {
        if (!due_.empty()) return false;
        for (auto& l : levels_)
            if (l.occupied) return false;
        return true;
    }

private:
    static constexpr std::uint8_t due_level = 0xFF;  // timer_entry::level of a due timer

    struct level_t {
        std::uint64_t occupied = 0;
        std::array<intrusive_list<timer_entry>, slots_per_level> slots;
    };

    static unsigned level_for(std::uint64_t elapsed, std::uint64_t when) noexcept {
        std::uint64_t masked = (elapsed ^ when) | (slots_per_level - 1);
        if (masked >= max_span) masked = max_span - 1;
        unsigned significant = 63 - static_cast<unsigned>(std::countl_zero(masked));
        return significant / bits_per_level;
    }
    static unsigned slot_of(std::uint64_t when, unsigned level) noexcept {
        return static_cast<unsigned>((when >> (level * bits_per_level)) & (slots_per_level - 1));
    }

    void place(timer_entry* e) noexcept {
        unsigned level, slot;
        // Beyond the top level's reach (or so far that it would land in the current top slot).
        if (e->deadline - elapsed_ >= max_span - (max_span >> bits_per_level)) {
            // Beyond the wheel's reach: park it in the farthest slot; it is re-placed from there.
            level = levels - 1;
            slot = (slot_of(elapsed_, level) + slots_per_level - 1) % slots_per_level;
        } else {
            level = level_for(elapsed_, e->deadline);
            slot = slot_of(e->deadline, level);
        }
        e->level = static_cast<std::uint8_t>(level);
        e->slot = static_cast<std::uint8_t>(slot);
        e->in_wheel = true;
        levels_[level].slots[slot].push_back(e);
        levels_[level].occupied |= std::uint64_t(1) << slot;
    }

    std::optional<std::uint64_t> next_in_level(unsigned level) const noexcept {
        std::uint64_t occupied = levels_[level].occupied;
        if (!occupied) return std::nullopt;
        unsigned shift = level * bits_per_level;
        std::uint64_t slot_range = std::uint64_t(1) << shift;
        std::uint64_t level_range = slot_range << bits_per_level;
        unsigned now_slot = slot_of(elapsed_, level);
        unsigned zeros = static_cast<unsigned>(
            std::countr_zero(std::rotr(occupied, static_cast<int>(now_slot))));
        unsigned slot = (zeros + now_slot) % slots_per_level;
        std::uint64_t level_start = elapsed_ & ~(level_range - 1);
        std::uint64_t deadline = level_start + slot * slot_range;
        if (deadline < elapsed_) deadline += level_range;  // the slot is in the next rotation
        return deadline;
    }

    std::array<level_t, levels> levels_{};
    intrusive_list<timer_entry> due_;
    std::uint64_t elapsed_ = 0;
};

}  // namespace weir::detail

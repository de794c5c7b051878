// A timer child of a child_pool, for stages that wait for their upstream and for a deadline at
// the same time (chunks_timeout): the stage arms it for a time point, and when that passes the
// pool wakes the stage with fired() set. Re-arming only ever moves the deadline later (a new
// chunk starts after the last), so the child, once asleep, checks the deadline again when it
// wakes and sleeps on if it moved; disarm() makes it stop at its next look. One sleep at a time,
// one frame per stage. Runs on the stage's thread only (see child_pool.hpp).
#pragma once

#include "../../errors.hpp"
#include "../../time.hpp"
#include "child_coro.hpp"

namespace weir::stream::detail {

class deadline_child {
public:
    explicit deadline_child(child_pool& pool) : pool_(pool) { child_.prime(run(this), pool_); }
    deadline_child(const deadline_child&) = delete;
    deadline_child& operator=(const deadline_child&) = delete;

    /// Fires at `at` (or at once if it has passed), unless disarmed first.
    void arm(clock::time_point at) {
        deadline_ = at;
        armed_ = true;
        fired_ = false;
        if (!busy_) {
            busy_ = true;
            ++pool_.busy;
            pool_.start(child_.get());
        }
    }
    void disarm() noexcept {
        armed_ = false;
        fired_ = false;
    }
    bool fired() const noexcept { return fired_; }

private:
    static child_coro run(deadline_child* self) {
        for (;;) {
            co_await park{};
            try {
                while (self->armed_ && clock::now() < self->deadline_)
                    co_await sleep_until(self->deadline_);
                if (self->armed_) self->fired_ = true;
            } catch (...) {
                // cancelled: the stage is being dropped
            }
            self->busy_ = false;
            --self->pool_.busy;
        }
    }

    child_pool& pool_;
    clock::time_point deadline_{};
    bool armed_ = false;
    bool fired_ = false;
    bool busy_ = false;
    child_handle child_;  // last: destroyed first
};

}  // namespace weir::stream::detail

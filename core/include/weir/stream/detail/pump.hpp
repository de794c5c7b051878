// The child of a child_pool that pulls the stage's upstream, so that a stage can wait for its
// upstream and for its tasks in flight at the same time (buffered must hand out a finished task
// even while its upstream is slow). request() starts one pull; a synchronous upstream answers
// within the call. Runs on the stage's thread only (see child_pool.hpp).
#pragma once

#include <exception>
#include <optional>
#include <utility>

#include "../stream_base.hpp"
#include "child_coro.hpp"
#include "pull_into.hpp"

namespace weir::stream::detail {

template <class S>
class pump {
public:
    using T = item_t<S>;

    pump(S&& up, child_pool& pool) : up_(std::in_place, std::move(up)), pool_(pool) {
        child_.prime(run(this), pool_);
    }
    pump(const pump&) = delete;
    pump& operator=(const pump&) = delete;

    /// Starts pulling the next item. Precondition: idle() and !ended().
    void request() {
        busy_ = true;
        ++pool_.busy;
        pool_.start(child_.get());
    }
    bool busy() const noexcept { return busy_; }
    /// The upstream ended (or failed); no more requests.
    bool ended() const noexcept { return ended_; }
    /// A pulled item waiting to be taken.
    bool has_item() const noexcept { return item_.has_value(); }
    T take() {
        T v = std::move(*item_);
        item_.reset();
        return v;
    }
    /// The pulled item's storage, for handing it on with co_yield yield_slot{&item()}: the
    /// consumer moves it out and resets it, which makes the pump idle again.
    std::optional<T>& item() noexcept { return item_; }
    /// The upstream's exception, if it failed.
    std::exception_ptr error() const noexcept { return error_; }
    /// Ends the pump with e as the upstream's error, releasing the upstream now: the stage's
    /// own part of the upstream failed (buffered calling a map's f). Precondition: idle().
    void fail(std::exception_ptr e) noexcept {
        error_ = std::move(e);
        ended_ = true;
        up_.reset();
    }
    bool idle() const noexcept { return !busy_ && !item_; }

private:
    static child_coro run(pump* self) {
        for (;;) {
            co_await park{};
            try {
                co_await pull_into(*self->up_, self->item_);  // pull_into.hpp says why
                if (!self->item_) self->ended_ = true;
            } catch (...) {
                self->error_ = std::current_exception();
                self->ended_ = true;
            }
            self->busy_ = false;
            --self->pool_.busy;
        }
    }

    std::optional<S> up_;  // empty after fail()
    child_pool& pool_;
    std::optional<T> item_;
    std::exception_ptr error_;
    bool busy_ = false;
    bool ended_ = false;
    child_handle child_;  // last: destroyed first, while up_ is still alive
};

}  // namespace weir::stream::detail

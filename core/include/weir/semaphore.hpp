// weir::semaphore: a counting semaphore for tasks. acquire(n) suspends until n permits are free
// and gives a permit object that returns them when destroyed. Waiters are served in FIFO order,
// so a large request is not starved by a stream of small ones.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <utility>

#include "detail/wait_list.hpp"
#include "task.hpp"

namespace weir {

class semaphore;

/// Permits taken from a weir::semaphore; returned when destroyed unless forget() was called.
class [[nodiscard]] semaphore_permit {
public:
    semaphore_permit(semaphore* s, std::size_t n) noexcept : s_(s), n_(n) {}
    semaphore_permit(semaphore_permit&& o) noexcept
        : s_(std::exchange(o.s_, nullptr)), n_(std::exchange(o.n_, 0)) {}
    semaphore_permit& operator=(semaphore_permit&& o) noexcept;
    semaphore_permit(const semaphore_permit&) = delete;
    semaphore_permit& operator=(const semaphore_permit&) = delete;
    ~semaphore_permit();
    /// Keeps the permits taken for good (the semaphore's count stays lower).
    void forget() noexcept {
        s_ = nullptr;
        n_ = 0;
    }
    /// Number of permits held.
    std::size_t count() const noexcept { return n_; }

private:
    semaphore* s_;
    std::size_t n_;
};

class semaphore {
public:
    explicit semaphore(std::size_t permits) noexcept : permits_(permits) {}
    semaphore(const semaphore&) = delete;
    semaphore& operator=(const semaphore&) = delete;
    /// Tasks still waiting resume with weir::wait_abandoned (a lost waker, reported).
    ~semaphore() { detail::abandon_waiters(*this); }

    /// Waits for n permits (n >= 1).
    task<semaphore_permit> acquire(std::size_t n = 1) {
        if (n == 0) throw std::invalid_argument("weir::semaphore::acquire: n must be at least 1");
        co_await detail::list_awaiter<semaphore>{this, n};
        co_return semaphore_permit(this, n);
    }
    /// Takes n permits if they are free now and nobody is queued.
    std::optional<semaphore_permit> try_acquire(std::size_t n = 1) {
        lock_.lock();
        bool ok = waiters_.empty() && permits_ >= n;
        if (ok) permits_ -= n;
        lock_.unlock();
        if (!ok) return std::nullopt;
        return std::optional<semaphore_permit>(std::in_place, this, n);
    }
    /// Adds n permits (also how permits come back), waking waiters that can now proceed.
    void release(std::size_t n = 1) noexcept {
        lock_.lock();
        permits_ += n;
        grant_locked();
        lock_.unlock();
    }
    /// Permits free right now.
    std::size_t available_permits() const noexcept {
        lock_.lock();
        std::size_t n = permits_;
        lock_.unlock();
        return n;
    }

private:
    friend struct detail::list_awaiter<semaphore>;
    template <class Q>
    friend void detail::abandon_waiters(Q&) noexcept;
    static constexpr const char* waits_on_what = "semaphore permits";  // for task dumps

    bool try_acquire_locked(detail::list_waiter& w) noexcept {
        if (permits_ < w.want) return false;
        permits_ -= w.want;
        return true;
    }
    void grant_locked() noexcept {
        while (auto* h = waiters_.front()) {
            if (permits_ < h->self()->want) break;
            permits_ -= h->self()->want;
            waiters_.erase(h);
            h->self()->grant();
        }
    }
    void give_back_locked(detail::list_waiter& w) noexcept {
        permits_ += w.want;
        grant_locked();
    }

    mutable detail::spin_lock lock_;
    detail::wait_queue waiters_;
    std::size_t permits_;
};

inline semaphore_permit::~semaphore_permit() {
    if (s_) s_->release(n_);
}
inline semaphore_permit& semaphore_permit::operator=(semaphore_permit&& o) noexcept {
    if (this != &o) {
        if (s_) s_->release(n_);
        s_ = std::exchange(o.s_, nullptr);
        n_ = std::exchange(o.n_, 0);
    }
    return *this;
}

}  // namespace weir

// weir::mutex: an asynchronous lock. lock() suspends the task (not the thread) while another task
// holds it, and hands the lock to waiters in FIFO order (fair: no waiter starves). The lock is
// released by the returned guard, so it cannot be forgotten on an exception path.
#pragma once

#include <optional>
#include <stdexcept>
#include <utility>

#include "detail/wait_list.hpp"
#include "task.hpp"

namespace weir {

class mutex;

/// Holds a weir::mutex; unlocks it when destroyed (or at unlock()).
class [[nodiscard]] mutex_guard {
public:
    explicit mutex_guard(mutex* m) noexcept : m_(m) {}
    mutex_guard(mutex_guard&& o) noexcept : m_(std::exchange(o.m_, nullptr)) {}
    mutex_guard& operator=(mutex_guard&& o) noexcept;
    mutex_guard(const mutex_guard&) = delete;
    mutex_guard& operator=(const mutex_guard&) = delete;
    ~mutex_guard() { unlock(); }
    /// Releases the lock early (idempotent).
    void unlock() noexcept;
    /// True while this guard holds the lock.
    bool owns_lock() const noexcept { return m_ != nullptr; }

private:
    mutex* m_;
};

class mutex {
public:
    mutex() = default;
    mutex(const mutex&) = delete;
    mutex& operator=(const mutex&) = delete;
    /// Tasks still waiting resume with weir::wait_abandoned (a lost waker, reported).
    ~mutex() { detail::abandon_waiters(*this); }

    /// Waits for the lock; the guard releases it.
    task<mutex_guard> lock() {
        co_await detail::list_awaiter<mutex>{this};
        co_return mutex_guard(this);
    }
    /// Takes the lock if it is free right now (and nobody is queued for it).
    std::optional<mutex_guard> try_lock() {
        lock_.lock();
        bool ok = waiters_.empty() && !locked_;
        if (ok) locked_ = true;
        lock_.unlock();
        if (!ok) return std::nullopt;
        return std::optional<mutex_guard>(std::in_place, this);
    }
    /// True while some task holds the lock.
    bool is_locked() const noexcept {
        lock_.lock();
        bool l = locked_;
        lock_.unlock();
        return l;
    }

private:
    friend class mutex_guard;
    friend struct detail::list_awaiter<mutex>;
    template <class Q>
    friend void detail::abandon_waiters(Q&) noexcept;
    static constexpr const char* waits_on_what = "a mutex";  // for task dumps

    void release() noexcept {
        lock_.lock();
        locked_ = false;
        grant_locked();
        lock_.unlock();
    }
    bool try_acquire_locked(detail::list_waiter&) noexcept {
        if (locked_) return false;
        locked_ = true;
        return true;
    }
    void grant_locked() noexcept {
        if (locked_) return;
        if (auto* h = waiters_.pop_front()) {
            locked_ = true;  // ownership passes straight to the first waiter
            h->self()->grant();
        }
    }
    void give_back_locked(detail::list_waiter&) noexcept {
        locked_ = false;
        grant_locked();
    }

    mutable detail::spin_lock lock_;
    detail::wait_queue waiters_;
    bool locked_ = false;
};

inline void mutex_guard::unlock() noexcept {
    if (m_) std::exchange(m_, nullptr)->release();
}
inline mutex_guard& mutex_guard::operator=(mutex_guard&& o) noexcept {
    if (this != &o) {
        unlock();
        m_ = std::exchange(o.m_, nullptr);
    }
    return *this;
}

}  // namespace weir

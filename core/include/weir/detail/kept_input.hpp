// Input that an I/O call received from the kernel but could not deliver, because its task lost a
// race after the kernel had completed the call (a timeout fired, another select branch won, the
// scope was cancelled; see io_awaiter.hpp). The socket keeps it, and its next call returns it
// before asking the kernel again. tokio leaves such input in the kernel (it asks for readiness,
// then reads synchronously); with io_uring and IOCP the kernel has already copied the bytes into
// the buffer, or accepted the connection, by the time the task hears of it, so keeping it here
// is the only way not to lose it.
//
// Races are rare, so a stream allocates its kept_bytes only when one is lost. Listeners and
// datagram sockets may be shared by several tasks receiving at once: their queue has a lock, and
// a flag read without it keeps the common case (nothing kept) to one load.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstring>
#include <deque>
#include <mutex>
#include <span>
#include <utility>
#include <vector>

#include "spin_lock.hpp"

namespace weir::detail {

/// Bytes of a stream, in order. Used by one reader at a time (reads of one stream cannot
/// overlap meaningfully anyway: which would get which bytes?).
class kept_bytes {
public:
    bool empty() const noexcept { return head_ == data_.size(); }
    /// Appends what a lost read received (it came after everything kept so far).
    void push_back(const void* p, std::size_t n) {
        compact();
        auto* b = static_cast<const std::byte*>(p);
        data_.insert(data_.end(), b, b + n);
    }
    /// Puts back bytes that were delivered before what is kept (read_exact's partial buffer).
    void push_front(const void* p, std::size_t n) {
        compact();
        auto* b = static_cast<const std::byte*>(p);
        data_.insert(data_.begin(), b, b + n);
    }
    /// Copies up to out.size() kept bytes into out, keeping them (a peek); gives how many.
    std::size_t copy(std::span<std::byte> out) const noexcept {
        std::size_t n = std::min(out.size(), data_.size() - head_);
        if (n) std::memcpy(out.data(), data_.data() + head_, n);
        return n;
    }
    /// Moves up to out.size() kept bytes into out; gives how many.
    std::size_t take(std::span<std::byte> out) noexcept {
        std::size_t n = std::min(out.size(), data_.size() - head_);
        if (n) std::memcpy(out.data(), data_.data() + head_, n);
        head_ += n;
        if (empty()) {
            data_.clear();
            head_ = 0;
        }
        return n;
    }

private:
    void compact() {
        data_.erase(data_.begin(), data_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
    }
    std::vector<std::byte> data_;
    std::size_t head_ = 0;
};

/// Items (accepted sockets, datagrams) in arrival order, for objects several tasks may receive
/// from at once.
template <class T>
class kept_queue {
public:
    kept_queue() = default;
    kept_queue(const kept_queue&) = delete;
    kept_queue& operator=(const kept_queue&) = delete;

    void push(T v) {
        std::lock_guard<spin_lock> g(lock_);
        items_.push_back(std::move(v));
        any_.store(true, std::memory_order_release);
    }
    /// Moves the oldest item into out; false if there is none.
    bool pop(T& out) {
        if (!any_.load(std::memory_order_acquire)) return false;
        std::lock_guard<spin_lock> g(lock_);
        if (items_.empty()) return false;
        out = std::move(items_.front());
        items_.pop_front();
        any_.store(!items_.empty(), std::memory_order_release);
        return true;
    }

    /// Calls f(const T&) on the oldest item, leaving it queued (a peek); false if there is none.
    /// f runs under the queue's spin lock: it must be short and must not throw.
    template <class F>
    bool peek(F&& f) {
        if (!any_.load(std::memory_order_acquire)) return false;
        std::lock_guard<spin_lock> g(lock_);
        if (items_.empty()) return false;
        f(static_cast<const T&>(items_.front()));
        return true;
    }

private:
    spin_lock lock_;
    std::atomic<bool> any_{false};
    std::deque<T> items_;
};

}  // namespace weir::detail

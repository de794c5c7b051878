// A FIFO of slot indices for the ordered pool stages (buffered, try_buffered): the slots in input
// order. A ring buffer that doubles when full: it never holds more than the window's n entries,
// and grows only as far as the window is really used (buffered(1 << 20) over a short stream
// stays small). Hot path: a push and a pop per item, where std::deque's block arithmetic was
// measurable.
#pragma once

#include <cstddef>
#include <memory>

namespace weir::stream::detail {

class index_ring {
public:
    bool empty() const noexcept { return count_ == 0; }
    std::size_t front() const noexcept { return buf_[head_]; }
    void pop_front() noexcept {
        head_ = (head_ + 1) & (cap_ - 1);
        --count_;
    }
    void push_back(std::size_t i) {
        if (count_ == cap_) grow();
        buf_[(head_ + count_) & (cap_ - 1)] = i;
        ++count_;
    }

private:
    void grow() {
        std::size_t cap = cap_ ? 2 * cap_ : 8;  // a power of two: indices wrap with a mask
        auto buf = std::make_unique<std::size_t[]>(cap);
        for (std::size_t k = 0; k < count_; ++k) buf[k] = buf_[(head_ + k) & (cap_ - 1)];
        buf_ = std::move(buf);
        cap_ = cap;
        head_ = 0;
    }

    std::unique_ptr<std::size_t[]> buf_;
    std::size_t cap_ = 0;
    std::size_t head_ = 0;
    std::size_t count_ = 0;
};

}  // namespace weir::stream::detail

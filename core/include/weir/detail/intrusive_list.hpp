// A doubly linked intrusive list: waiters (timers, channel receivers, lock waiters, cancellation
// callbacks) live inside the suspended coroutine frame that waits, so queuing one never
// allocates and removing one (cancellation, frame destruction) is O(1).
#pragma once

#include <cstddef>
#include <type_traits>

namespace weir::detail {

struct list_hook {
    list_hook* prev = nullptr;
    list_hook* next = nullptr;
    bool linked() const noexcept { return next != nullptr; }
};

/// T must derive from list_hook. Not thread-safe: the owner holds its own lock. Counted: keeps
/// size(); a list that never asks (a task header's cancellation callbacks) saves the word, which
/// keeps every task's header within two cache lines.
template <class T, bool Counted = true>
class intrusive_list {
public:
    intrusive_list() noexcept { head_.prev = head_.next = &head_; }
    intrusive_list(const intrusive_list&) = delete;
    intrusive_list& operator=(const intrusive_list&) = delete;

    bool empty() const noexcept { return head_.next == &head_; }
    std::size_t size() const noexcept requires Counted { return size_.n; }

    void push_back(T* item) noexcept {
        list_hook* h = item;
        h->prev = head_.prev;
        h->next = &head_;
        head_.prev->next = h;
        head_.prev = h;
        size_.add(1);
    }
    void push_front(T* item) noexcept {
        list_hook* h = item;
        h->next = head_.next;
        h->prev = &head_;
        head_.next->prev = h;
        head_.next = h;
        size_.add(1);
    }
    T* front() const noexcept { return empty() ? nullptr : static_cast<T*>(head_.next); }
    /// The item after item, or null at the end (for walking the list under its owner's lock).
    T* next(const T* item) const noexcept {
        const list_hook* h = item;
        return h->next == &head_ ? nullptr : static_cast<T*>(h->next);
    }
    T* pop_front() noexcept {
        if (empty()) return nullptr;
        T* item = static_cast<T*>(head_.next);
        erase(item);
        return item;
    }
    /// Unlinks item, which must be in this list.
    void erase(T* item) noexcept {
        list_hook* h = item;
        h->prev->next = h->next;
        h->next->prev = h->prev;
        h->prev = h->next = nullptr;
        size_.add(-1);
    }
    /// Moves every item of other to the back of this list.
    void splice_back(intrusive_list& other) noexcept {
        while (T* t = other.pop_front()) push_back(t);
    }

private:
    struct count {
        std::size_t n = 0;
        void add(std::ptrdiff_t d) noexcept { n += static_cast<std::size_t>(d); }
    };
    struct no_count {
        void add(std::ptrdiff_t) noexcept {}
    };
    list_hook head_;
    [[no_unique_address]] std::conditional_t<Counted, count, no_count> size_;
};

}  // namespace weir::detail

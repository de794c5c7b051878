// Storage for the outcome of a coroutine: nothing yet, a value, or an exception. Index-based so
// that T may itself be std::exception_ptr; void is stored as std::monostate.
//
// Hot path: every awaited task sets and takes one. A hand-written tagged union rather than
// std::variant, because destroying or re-emplacing a variant dispatches through a table of
// functions, which in WebAssembly is an indirect call per take (4-5% of the event-loop build's
// stream_pipeline in a profile); here a take of a trivially destructible T is a move and a
// store of the tag, and the exception_ptr (an out-of-line reference count in libc++) is touched
// only when there is one.
#pragma once

#include <exception>
#include <memory>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

#include "throw.hpp"

namespace weir::detail {

template <class T>
class result {
public:
    using value_type = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

    result() noexcept {}
    result(result&& o) noexcept(std::is_nothrow_move_constructible_v<value_type>) {
        if (o.tag_ == tag::value)
            set_value(std::move(o.val_));
        else if (o.tag_ == tag::error)
            set_exception(std::move(o.err_));
    }
    result& operator=(result&& o) noexcept(std::is_nothrow_move_constructible_v<value_type>) {
        if (this == &o) return *this;
        if (o.tag_ == tag::value)
            set_value(std::move(o.val_));
        else if (o.tag_ == tag::error)
            set_exception(std::move(o.err_));
        else
            reset();
        return *this;
    }
    result(const result&) = delete;
    result& operator=(const result&) = delete;
    ~result() { reset(); }

    template <class... A>
    void set_value(A&&... a) {
        reset();
        std::construct_at(std::addressof(val_), std::forward<A>(a)...);
        tag_ = tag::value;
    }
    void set_exception(std::exception_ptr e) noexcept {
        reset();
        std::construct_at(std::addressof(err_), std::move(e));
        tag_ = tag::error;
    }

    bool has_value() const noexcept { return tag_ == tag::value; }
    bool has_exception() const noexcept { return tag_ == tag::error; }
    bool empty() const noexcept { return tag_ == tag::none; }
    const std::exception_ptr& exception() const noexcept { return err_; }

    /// Moves the value out (rethrowing a stored exception). A second take throws logic_error.
    T take() {
        if (tag_ == tag::error) std::rethrow_exception(err_);
        if (tag_ != tag::value) throw_logic_error("weir: result taken twice or never set");
        if constexpr (std::is_void_v<T>) {
            tag_ = tag::none;
        } else {
            T out = std::move(val_);
            reset();
            return out;
        }
    }
    /// Like take, but as std::monostate for void so results can go into tuples and variants.
    value_type take_value() {
        if constexpr (std::is_void_v<T>) {
            take();
            return {};
        } else {
            return take();
        }
    }

private:
    enum class tag : unsigned char { none, value, error };

    void reset() noexcept {
        if (tag_ == tag::value) {
            if constexpr (!std::is_trivially_destructible_v<value_type>) std::destroy_at(&val_);
        } else if (tag_ == tag::error) {
            std::destroy_at(&err_);
        }
        tag_ = tag::none;
    }

    union {
        value_type val_;
        std::exception_ptr err_;
    };
    tag tag_ = tag::none;
};

}  // namespace weir::detail

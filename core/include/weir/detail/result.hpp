// Storage for the outcome of a coroutine: nothing yet, a value, or an exception. Index-based so
// that T may itself be std::exception_ptr; void is stored as std::monostate.
#pragma once

#include <exception>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

namespace weir::detail {

template <class T>
class result {
public:
    using value_type = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

    template <class... A>
    void set_value(A&&... a) {
        v_.template emplace<1>(std::forward<A>(a)...);
    }
    void set_exception(std::exception_ptr e) noexcept { v_.template emplace<2>(std::move(e)); }

    bool has_value() const noexcept { return v_.index() == 1; }
    bool has_exception() const noexcept { return v_.index() == 2; }
    bool empty() const noexcept { return v_.index() == 0; }
    const std::exception_ptr& exception() const noexcept { return std::get<2>(v_); }

    /// Moves the value out (rethrowing a stored exception). A second take throws logic_error.
    T take() {
        if (v_.index() == 2) std::rethrow_exception(std::get<2>(v_));
        if (v_.index() != 1) throw std::logic_error("weir: result taken twice or never set");
        if constexpr (std::is_void_v<T>) {
            v_.template emplace<0>();
        } else {
            T out = std::move(std::get<1>(v_));
            v_.template emplace<0>();
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
    std::variant<std::monostate, value_type, std::exception_ptr> v_;
};

}  // namespace weir::detail

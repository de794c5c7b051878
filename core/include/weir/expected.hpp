// weir::expected<T, E>: a value or an error, for code that reports errors as values. C++20 has no
// std::expected (it arrives in C++23), and weir's fallible stream family (try_collect,
// try_for_each, try_buffered, try_chunks: docs/streams.md) needs one, so this is the subset of
// C++23's std::expected that such code uses, with the same names and meanings: replacing
// `weir::` by `std::` is all a move to C++23 takes. The try_ adapters accept std::expected (or any
// type with the same members) as well; weir::expected is what they give back when the item's
// type has no `rebind`.
//
// Built on std::variant (index 0 the value, 1 the error) so that T and E may be the same type and
// T may be void. Not provided: monadic operations (and_then, transform, ...), emplace, swap.
#pragma once

#include <exception>
#include <type_traits>
#include <utility>
#include <variant>

namespace weir {

/// An error to construct an expected from: `return weir::unexpected(errc::refused);`.
template <class E>
class unexpected {
    static_assert(std::is_object_v<E> && !std::is_array_v<E> && !std::is_const_v<E>,
                  "weir::unexpected<E>: E must be a non-const object type");

public:
    constexpr explicit unexpected(E e) : e_(std::move(e)) {}
    constexpr E& error() & noexcept { return e_; }
    constexpr const E& error() const& noexcept { return e_; }
    constexpr E&& error() && noexcept { return std::move(e_); }
    friend constexpr bool operator==(const unexpected& a, const unexpected& b) {
        return a.e_ == b.e_;
    }

private:
    E e_;
};

/// Tag for constructing an expected's error in place: `expected<int, E>(weir::unexpect, args...)`.
struct unexpect_t {
    explicit unexpect_t() = default;
};
inline constexpr unexpect_t unexpect{};

/// Thrown by expected::value() when it holds an error; carries a copy of the error.
template <class E>
class bad_expected_access : public std::exception {
public:
    explicit bad_expected_access(E e) : e_(std::move(e)) {}
    const char* what() const noexcept override {
        return "weir::bad_expected_access: value() of an expected that holds an error";
    }
    const E& error() const& noexcept { return e_; }
    E&& error() && noexcept { return std::move(e_); }

private:
    E e_;
};

/// A T or an E (see the file comment). Default-constructs to a value (T{}), as std::expected.
template <class T, class E>
class expected {
    static_assert(!std::is_reference_v<T> && !std::is_array_v<T>,
                  "weir::expected<T, E>: T must be an object type or void");
    using stored_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

public:
    using value_type = T;
    using error_type = E;
    using unexpected_type = unexpected<E>;
    template <class U>
    using rebind = expected<U, E>;

    constexpr expected() : v_(std::in_place_index<0>) {}
    /// A value (not for expected<void, E>, whose value is default-constructed).
    template <class U = stored_t>
        requires(!std::is_void_v<T> && std::is_constructible_v<T, U&&> &&
                 !std::is_same_v<std::remove_cvref_t<U>, expected> &&
                 !std::is_same_v<std::remove_cvref_t<U>, std::in_place_t>)
    constexpr expected(U&& v) : v_(std::in_place_index<0>, std::forward<U>(v)) {}
    /// An error.
    template <class G>
        requires std::is_constructible_v<E, const G&>
    constexpr expected(const unexpected<G>& u) : v_(std::in_place_index<1>, u.error()) {}
    template <class G>
        requires std::is_constructible_v<E, G&&>
    constexpr expected(unexpected<G>&& u) : v_(std::in_place_index<1>, std::move(u).error()) {}
    template <class... A>
    constexpr explicit expected(std::in_place_t, A&&... a)
        : v_(std::in_place_index<0>, std::forward<A>(a)...) {}
    template <class... A>
    constexpr explicit expected(unexpect_t, A&&... a)
        : v_(std::in_place_index<1>, std::forward<A>(a)...) {}

    constexpr bool has_value() const noexcept { return v_.index() == 0; }
    constexpr explicit operator bool() const noexcept { return has_value(); }

    /// The value; throws bad_expected_access<E> holding a copy of the error if there is none.
    constexpr decltype(auto) value() & {
        check();
        return deref(*this);
    }
    constexpr decltype(auto) value() const& {
        check();
        return deref(*this);
    }
    constexpr decltype(auto) value() && {
        check();
        return deref(std::move(*this));
    }
    /// The value, unchecked: has_value() must be true.
    constexpr decltype(auto) operator*() & noexcept { return deref(*this); }
    constexpr decltype(auto) operator*() const& noexcept { return deref(*this); }
    constexpr decltype(auto) operator*() && noexcept { return deref(std::move(*this)); }
    constexpr auto* operator->() noexcept requires(!std::is_void_v<T>) { return &std::get<0>(v_); }
    constexpr const auto* operator->() const noexcept requires(!std::is_void_v<T>) {
        return &std::get<0>(v_);
    }
    /// The error, unchecked: has_value() must be false.
    constexpr E& error() & noexcept { return *std::get_if<1>(&v_); }
    constexpr const E& error() const& noexcept { return *std::get_if<1>(&v_); }
    constexpr E&& error() && noexcept { return std::move(*std::get_if<1>(&v_)); }

    /// The value, or def converted to T when there is an error.
    template <class U>
    constexpr T value_or(U&& def) const& requires(!std::is_void_v<T>) {
        return has_value() ? **this : static_cast<T>(std::forward<U>(def));
    }
    template <class U>
        constexpr T value_or(U&& def) && requires(!std::is_void_v<T>) {
        return has_value() ? std::move(**this) : static_cast<T>(std::forward<U>(def));
    }

    friend constexpr bool operator==(const expected& a, const expected& b) { return a.v_ == b.v_; }
    template <class G>
    friend constexpr bool operator==(const expected& a, const unexpected<G>& u) {
        return !a.has_value() && a.error() == u.error();
    }

private:
    constexpr void check() const {
        if (!has_value()) throw bad_expected_access<E>(std::as_const(*std::get_if<1>(&v_)));
    }
    template <class Self, class U>
    using copy_ref_t = std::conditional_t<
        std::is_lvalue_reference_v<Self>,
        std::conditional_t<std::is_const_v<std::remove_reference_t<Self>>, const U&, U&>, U&&>;
    /// The value as the reference Self calls for (T&, const T&, T&&); nothing for void.
    template <class Self>
    static constexpr decltype(auto) deref(Self&& self) noexcept {
        if constexpr (std::is_void_v<T>)
            return;
        else
            return static_cast<copy_ref_t<Self, T>>(*std::get_if<0>(&self.v_));
    }

    std::variant<stored_t, E> v_;
};

}  // namespace weir

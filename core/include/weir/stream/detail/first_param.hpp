// The first parameter of a callable, where C++ lets a library read it: a function pointer, or a
// class with exactly one non-template operator() (a non-generic lambda). For a generic lambda or
// an overloaded functor it is unknown. map uses it to reject, at compile time, a generator
// function that takes the item by reference (map.hpp).
#pragma once

#include <type_traits>

namespace weir::stream::detail {

template <class Sig>
struct first_param_of_sig {
    static constexpr bool known = false;
    using type = void;
};
#define WEIR_FIRST_PARAM_OF(QUALS)                          \
    template <class R, class A, class... Rest>              \
    struct first_param_of_sig<R(A, Rest...) QUALS> {        \
        static constexpr bool known = true;                 \
        using type = A;                                     \
    };                                                      \
    template <class R, class C, class A, class... Rest>     \
    struct first_param_of_sig<R (C::*)(A, Rest...) QUALS> { \
        static constexpr bool known = true;                 \
        using type = A;                                     \
    };
WEIR_FIRST_PARAM_OF()
WEIR_FIRST_PARAM_OF(const)
WEIR_FIRST_PARAM_OF(noexcept)
WEIR_FIRST_PARAM_OF(const noexcept)
#undef WEIR_FIRST_PARAM_OF

template <class F>
struct first_param : first_param_of_sig<void> {};
template <class F>
    requires std::is_function_v<std::remove_pointer_t<F>>
struct first_param<F> : first_param_of_sig<std::remove_pointer_t<F>> {
};
template <class F>
    requires requires { &F::operator(); }
struct first_param<F> : first_param_of_sig<decltype(&F::operator())> {};

/// True when F's first parameter is known to be a reference.
template <class F>
inline constexpr bool takes_first_by_reference =
    first_param<F>::known&& std::is_reference_v<typename first_param<F>::type>;

}  // namespace weir::stream::detail

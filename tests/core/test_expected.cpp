// weir::expected: the C++23 std::expected subset that the fallible stream family uses.
#include <catch2/catch.hpp>
#include <string>
#include <type_traits>
#include <weir/expected.hpp>

namespace {
enum class fail_code { refused, lost };
}

TEST_CASE("expected_holds_a_value_or_an_error", "[expected]") {
    weir::expected<std::string, fail_code> ok = std::string("abc");
    REQUIRE(ok.has_value());
    CHECK(static_cast<bool>(ok));
    CHECK(*ok == "abc");
    CHECK(ok->size() == 3);
    CHECK(ok.value() == "abc");
    CHECK(ok.value_or("x") == "abc");

    weir::expected<std::string, fail_code> bad = weir::unexpected(fail_code::lost);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error() == fail_code::lost);
    CHECK(bad.value_or("x") == "x");
    CHECK(bad == weir::unexpected(fail_code::lost));
    CHECK_FALSE(ok == bad);
    try {
        (void)bad.value();
        FAIL("value() of an error did not throw");
    } catch (const weir::bad_expected_access<fail_code>& e) {
        CHECK(e.error() == fail_code::lost);
    }

    // moving the value out leaves the expected holding a moved-from value
    std::string taken = *std::move(ok);
    CHECK(taken == "abc");

    // in place, and a default-constructed expected holds T{}
    weir::expected<std::string, fail_code> three(std::in_place, 3, 'z');
    CHECK(*three == "zzz");
    CHECK(weir::expected<int, fail_code>().value() == 0);
    weir::expected<int, std::string> err(weir::unexpect, "why");
    CHECK(err.error() == "why");
}

TEST_CASE("expected_of_void_and_of_the_same_type_twice", "[expected]") {
    weir::expected<void, int> fine;
    CHECK(fine.has_value());
    fine.value();  // does not throw
    weir::expected<void, int> failed = weir::unexpected(7);
    CHECK(failed.error() == 7);
    CHECK_THROWS_AS(failed.value(), weir::bad_expected_access<int>);

    // T and E the same type: which one it holds is still known
    weir::expected<int, int> v = 4;
    weir::expected<int, int> e = weir::unexpected(4);
    CHECK(v.has_value());
    CHECK_FALSE(e.has_value());
    CHECK_FALSE(v == e);

    static_assert(
        std::is_same_v<weir::expected<int, int>::rebind<long>, weir::expected<long, int>>);
}

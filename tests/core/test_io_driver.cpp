// The runtime's I/O backend: which one is chosen, and the fallback when io_uring cannot be set up.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>
#include <weir/weir.hpp>

#include "helpers.hpp"

using weir_test::workers;

TEST_CASE("runtime_io_backend_names_the_backend_in_use", "[io]") {
    weir::runtime rt{workers(1)};
    std::string name = rt.io_backend();
#if defined(__linux__) && !defined(__EMSCRIPTEN__)
    // io_uring where the kernel allows it (it does on the CI machines), else none.
    REQUIRE((name == "uring" || name == "none"));
#else
    REQUIRE(name == "none");
#endif
}

#if defined(__linux__) && !defined(__EMSCRIPTEN__)
TEST_CASE("runtime_falls_back_when_io_uring_setup_fails", "[io]") {
    ::setenv("WEIR_URING_FAIL_SETUP", "1", 1);
    {
        weir::runtime rt{workers(2)};
        ::unsetenv("WEIR_URING_FAIL_SETUP");
        REQUIRE(std::string(rt.io_backend()) == "none");
        // The fallback still runs tasks and timers.
        int v = rt.block_on([]() -> weir::task<int> {
            co_await weir::sleep(std::chrono::milliseconds(2));
            co_return 7;
        }());
        REQUIRE(v == 7);
    }
    ::unsetenv("WEIR_URING_FAIL_SETUP");
}
#endif

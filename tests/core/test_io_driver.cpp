// The runtime's I/O backend: which one is chosen (automatically, by runtime::options::io_backend,
// by WEIR_IO_BACKEND), the fallback when io_uring cannot be set up, and clear errors for a name
// that is unknown or cannot start.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <system_error>
#include <weir/weir.hpp>

#include "helpers.hpp"

using weir_test::scoped_env;
using weir_test::workers;

namespace {
weir::runtime::options with_backend(std::size_t n, const char* name) {
    auto o = workers(n);
    o.io_backend = name;
    return o;
}
bool native_io() {
#if defined(__EMSCRIPTEN__)
    return false;
#else
    return true;
#endif
}
}  // namespace

TEST_CASE("runtime_io_backend_names_the_backend_in_use", "[io]") {
    weir::runtime rt{workers(1)};
    std::string name = rt.io_backend();
    if (!native_io()) {
        REQUIRE(name == weir_test::no_io_name());
        return;
    }
    if (const char* env = std::getenv("WEIR_IO_BACKEND"); env && *env) {
        REQUIRE(name == env);
        return;
    }
#if defined(__linux__)
    // io_uring where the kernel allows it (it does on the CI machines), else asio.
    REQUIRE((name == "uring" || name == "asio"));
#else
    REQUIRE(name == "asio");
#endif
}

TEST_CASE("runtime_io_backend_option_none_gives_a_runtime_without_io", "[io]") {
    scoped_env clear("WEIR_IO_BACKEND", nullptr);
    weir::runtime rt{with_backend(1, "none")};
    REQUIRE(std::string(rt.io_backend()) == weir_test::no_io_name());
}

TEST_CASE("runtime_io_backend_unknown_name_is_rejected_with_invalid_argument", "[io]") {
    scoped_env clear("WEIR_IO_BACKEND", nullptr);
    REQUIRE_THROWS_AS(weir::runtime(with_backend(1, "epoll")), std::invalid_argument);
    if (!native_io()) return;  // WebAssembly does not read the environment
    scoped_env bad("WEIR_IO_BACKEND", "kqueue");
    try {
        weir::runtime rt{workers(1)};
        FAIL("no error");
    } catch (const std::invalid_argument& e) {
        REQUIRE(std::string(e.what()).find("\"kqueue\"") != std::string::npos);
    }
}

#if !defined(__EMSCRIPTEN__)
TEST_CASE("runtime_io_backend_option_forces_asio", "[io]") {
    scoped_env clear("WEIR_IO_BACKEND", nullptr);
    weir::runtime rt{with_backend(2, "asio")};
    REQUIRE(std::string(rt.io_backend()) == "asio");
}

TEST_CASE("runtime_io_backend_environment_overrides_the_option", "[io]") {
    scoped_env env("WEIR_IO_BACKEND", "none");
    weir::runtime rt{with_backend(1, "asio")};
    REQUIRE(std::string(rt.io_backend()) == weir_test::no_io_name());
}
#else
TEST_CASE("runtime_io_backend_named_driver_is_refused_in_webassembly", "[io]") {
    try {
        weir::runtime rt{with_backend(1, "asio")};
        FAIL("no error");
    } catch (const std::system_error& e) {
        REQUIRE(e.code() == std::errc::function_not_supported);
    }
}
#endif

#if defined(__linux__) && !defined(__EMSCRIPTEN__)
TEST_CASE("runtime_falls_back_to_asio_when_io_uring_setup_fails", "[io]") {
    scoped_env clear("WEIR_IO_BACKEND", nullptr);
    scoped_env fail("WEIR_URING_FAIL_SETUP", "1");
    weir::runtime rt{workers(2)};
    REQUIRE(std::string(rt.io_backend()) == "asio");
    // The fallback runs tasks, timers and I/O.
    int v = rt.block_on([]() -> weir::task<int> {
        co_await weir::sleep(std::chrono::milliseconds(2));
        auto a = weir::net::udp_socket::bind(weir::net::socket_address::parse("127.0.0.1:0"));
        auto b = weir::net::udp_socket::bind(weir::net::socket_address::parse("127.0.0.1:0"));
        std::byte out[1] = {std::byte{7}}, in[4];
        co_await a.send_to(out, b.local_address());
        auto [n, from] = co_await b.recv_from(in);
        co_return n == 1 && from == a.local_address() ? static_cast<int>(in[0]) : -1;
    }());
    REQUIRE(v == 7);
}

TEST_CASE("runtime_io_backend_uring_asked_for_by_name_but_unavailable_throws", "[io]") {
    scoped_env clear("WEIR_IO_BACKEND", nullptr);
    scoped_env fail("WEIR_URING_FAIL_SETUP", "1");
    try {
        weir::runtime rt{with_backend(1, "uring")};
        FAIL("no error");
    } catch (const std::system_error& e) {
        REQUIRE(e.code() == std::errc::function_not_supported);
        REQUIRE(std::string(e.what()).find("io_uring") != std::string::npos);
    }
}
#endif

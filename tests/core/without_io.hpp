// Helpers of the tests of weir::fs and weir::net on a runtime without an I/O backend
// (test_fs_without_io.cpp, test_net_without_io.cpp): the runtime's options, the std::system_error
// a task ended with, and a temporary path. Natively the synchronous socket and file calls (bind,
// open, stat) still work on such a runtime and only the operations of the I/O driver (connect,
// accept, send, read_at...) fail; in WebAssembly (backends/no_net) every socket and file call
// fails. Both with std::errc::function_not_supported.
#pragma once

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>
#include <weir/trace.hpp>
#include <weir/version.hpp>
#include <weir/weir.hpp>

#include "helpers.hpp"
#include "temp_path.hpp"

namespace weir_test::without_io {

/// Whether the platform has sockets and files (backends/posix_* and win_*). WebAssembly has none
/// (backends/no_net): there every socket and file call throws function_not_supported.
#if defined(__EMSCRIPTEN__)
inline constexpr bool pnw_os_io = false;
#else
inline constexpr bool pnw_os_io = true;
#endif

/// One worker and no I/O backend (WEIR_IO_BACKEND, which would override it, must be cleared).
inline weir::runtime::options pnw_no_io() {
    auto o = weir_test::workers(1);
    o.io_backend = "none";
    return o;
}

/// The std::system_error a task ended with.
struct pnw_failure {
    std::error_code code;
    std::string what;
};

template <class T>
pnw_failure pnw_fails(weir::runtime& rt, weir::task<T> t) {
    try {
        rt.block_on(std::move(t));
    } catch (const std::system_error& e) {
        return {e.code(), e.what()};
    }
    FAIL("no std::system_error");
    return {};
}

inline bool pnw_says(const pnw_failure& f, const std::string& text) {
    return f.what.find(text) != std::string::npos;
}

/// A failure for want of I/O: natively the runtime has no driver (detail::require_io); in
/// WebAssembly the platform lacks what no_net_text names ("sockets", "file I/O").
inline void pnw_check_unsupported(const pnw_failure& f, const char* no_net_text) {
    INFO(f.what);
    CHECK(f.code == std::errc::function_not_supported);
    CHECK(pnw_says(f, pnw_os_io ? std::string("this runtime has no I/O backend")
                                : std::string(no_net_text) + " not available on this platform"));
}

}  // namespace weir_test::without_io

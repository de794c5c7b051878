// Which driver a native runtime gets (runtime::options::io_backend, overridden by the environment
// variable WEIR_IO_BACKEND). Automatic choice: io_uring where the kernel allows it (many
// containers forbid io_uring_setup), else Boost.Asio (epoll, kqueue, IOCP), else a parker without
// I/O when the library was built without either. A driver asked for by name must start, or the
// runtime's constructor says why: silently running on another backend would hide the problem
// the name was meant to test.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>

#include "weir/detail/io.hpp"
#include "weir/detail/parker.hpp"

namespace weir::detail {

std::unique_ptr<driver> make_parking_driver();  // thread_park.cpp: timers only, no I/O
#ifdef WEIR_HAVE_URING
std::unique_ptr<driver> make_uring_driver();  // backends/uring: null if io_uring is unusable
#endif
#ifdef WEIR_HAVE_ASIO
std::unique_ptr<driver> make_asio_driver();  // backends/asio
#endif

namespace {
std::unique_ptr<driver> try_uring() {
#ifdef WEIR_HAVE_URING
    return make_uring_driver();
#else
    return nullptr;
#endif
}
std::unique_ptr<driver> try_asio() {
#ifdef WEIR_HAVE_ASIO
    return make_asio_driver();
#else
    return nullptr;
#endif
}
[[noreturn]] void unavailable(const std::string& name, const char* why) {
    throw std::system_error(std::make_error_code(std::errc::function_not_supported),
                            "weir::runtime: the I/O backend \"" + name + "\" " + why);
}
}  // namespace

#ifndef WEIR_HAVE_ASIO
// Only the asio driver keeps per-handle state.
bool io_release_handle(std::intptr_t) noexcept { return false; }
#endif

std::unique_ptr<driver> make_driver(const std::string& requested) {
    std::string want = requested;
    if (const char* env = std::getenv("WEIR_IO_BACKEND"); env && *env) want = env;
    if (want.empty()) {
        if (auto d = try_uring()) return d;
        if (auto d = try_asio()) return d;
        return make_parking_driver();
    }
    if (want == "uring") {
        if (auto d = try_uring()) return d;
#ifdef WEIR_HAVE_URING
        unavailable(want, "cannot start: io_uring_setup failed (old kernel, or forbidden here)");
#else
        unavailable(want, "is not in this build (liburing was not found)");
#endif
    }
    if (want == "asio") {
        if (auto d = try_asio()) return d;
        unavailable(want, "is not in this build (Boost.Asio headers were not found)");
    }
    if (want == "none") return make_parking_driver();
    throw std::invalid_argument("weir::runtime: unknown I/O backend \"" + want +
                                "\" (from WEIR_IO_BACKEND or runtime::options::io_backend); "
                                "expected uring, asio or none");
}

}  // namespace weir::detail

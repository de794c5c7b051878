// Which driver a native runtime gets (runtime::options::io_backend, overridden by the environment
// variable WEIR_IO_BACKEND). Automatic choice: io_uring where the kernel allows it (many
// containers forbid io_uring_setup), else Boost.Asio (epoll, kqueue, IOCP), else a parker without
// I/O when the library was built without either. A driver asked for by name must start, or the
// runtime's constructor says why: silently running on another backend would hide the problem
// the name was meant to test.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>

#include "weir/detail/io.hpp"
#include "weir/detail/parker.hpp"

#ifndef _WIN32
#include <signal.h>
#endif

namespace weir::detail {

std::unique_ptr<driver> make_parking_driver();  // thread_park.cpp: timers only, no I/O
#ifdef WEIR_HAVE_URING
std::unique_ptr<driver> make_uring_driver();  // backends/uring: null if io_uring is unusable
#endif
#ifdef WEIR_HAVE_ASIO
std::unique_ptr<driver> make_asio_driver();  // backends/asio
#endif

namespace {
/// Writing to a pipe or a socket whose reader has gone raises SIGPIPE, whose default action
/// ends the process. Sends pass MSG_NOSIGNAL, but a file write (a FIFO) has no such flag, and
/// io_uring performs it on whichever thread enters the kernel. So, as Rust's std and therefore
/// tokio do, SIGPIPE is ignored once a runtime with I/O starts: the write fails with EPIPE
/// instead. Only if it is at its default action: a handler the program installed stays.
/// (An ignored signal stays ignored in child processes after exec, as with Rust.)
void ignore_sigpipe() noexcept {
#ifndef _WIN32
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction old {};
        if (::sigaction(SIGPIPE, nullptr, &old) != 0) return;
        if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL) return;
        struct sigaction ign {};
        ign.sa_handler = SIG_IGN;
        sigemptyset(&ign.sa_mask);
        ::sigaction(SIGPIPE, &ign, nullptr);
    });
#endif
}

std::unique_ptr<driver> with_io(std::unique_ptr<driver> d) {
    if (d && d->io()) ignore_sigpipe();
    return d;
}

std::unique_ptr<driver> try_uring() {
#ifdef WEIR_HAVE_URING
    return with_io(make_uring_driver());
#else
    return nullptr;
#endif
}
std::unique_ptr<driver> try_asio() {
#ifdef WEIR_HAVE_ASIO
    return with_io(make_asio_driver());
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

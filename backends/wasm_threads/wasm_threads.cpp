// WebAssembly (Emscripten pthreads = web workers) park backend. Parking is a futex wait on one
// word of the shared linear memory (Atomics.wait underneath); Emscripten turns it into a busy
// wait on a browser's main thread, where Atomics.wait is forbidden; block_on refuses to run
// there (may_block), so only a short lock wait can spin on that thread. The hardware thread
// count is navigator.hardwareConcurrency (os.cpus() under Node).
#include <emscripten/threading.h>

#include <atomic>
#include <cmath>
#include <stdexcept>
#include <string>
#include <system_error>

#include "weir/detail/parker.hpp"

namespace weir::detail {
namespace {

class futex_parker : public driver {
public:
    void park(std::int64_t timeout_ns) override {
        int expected = notified;
        if (state_.compare_exchange_strong(expected, empty, std::memory_order_acquire)) return;
        if (timeout_ns == 0) return;
        expected = empty;
        if (!state_.compare_exchange_strong(expected, parked, std::memory_order_acquire)) {
            state_.store(empty, std::memory_order_relaxed);
            return;
        }
        double ms = timeout_ns < 0 ? INFINITY : static_cast<double>(timeout_ns) / 1e6;
        // Returns on wake, timeout, or if the word is no longer `parked` (already notified).
        emscripten_futex_wait(static_cast<volatile void*>(&word()), parked, ms);
        state_.store(empty, std::memory_order_release);
    }

    void unpark() noexcept override {
        if (state_.exchange(notified, std::memory_order_acq_rel) == parked)
            emscripten_futex_wake(static_cast<volatile void*>(&word()), 1);
    }

    bool consume_unpark() noexcept override {
        int expected = notified;
        return state_.compare_exchange_strong(expected, empty, std::memory_order_seq_cst);
    }

    const char* name() const noexcept override { return "wasm_threads"; }
    // A browser's main thread may not block: block_on refuses there instead of busy-waiting.
    bool may_block() const noexcept override { return !emscripten_is_main_browser_thread(); }

private:
    static constexpr int empty = 0, parked = 1, notified = 2;
    std::atomic<int>& word() { return state_; }
    std::atomic<int> state_{empty};
};

static_assert(sizeof(std::atomic<int>) == sizeof(int), "futex word must be a plain int");

}  // namespace

std::unique_ptr<parker> make_thread_parker() { return std::make_unique<futex_parker>(); }
// WebAssembly has no I/O driver yet: "" and "none" give the parker, any other name is refused
// (WEIR_IO_BACKEND is not read: Node's environment is not the program's).
std::unique_ptr<driver> make_driver(const std::string& requested) {
    if (requested.empty() || requested == "none") return std::make_unique<futex_parker>();
    if (requested == "uring" || requested == "asio")
        throw std::system_error(
            std::make_error_code(std::errc::function_not_supported),
            "weir::runtime: the I/O backend \"" + requested + "\" is not available in WebAssembly");
    throw std::invalid_argument("weir::runtime: unknown I/O backend \"" + requested +
                                "\"; expected uring, asio or none");
}
bool backend_runs_on_event_loop() noexcept { return false; }
unsigned hardware_threads() noexcept {
    int n = emscripten_num_logical_cores();
    return n > 0 ? static_cast<unsigned>(n) : 1;
}

}  // namespace weir::detail

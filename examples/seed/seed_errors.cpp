// Seed example 4: errors. try_join runs three tasks concurrently. When all succeed it gives their
// three values; when one throws, try_join cancels the other two, waits until they have stopped
// (their cleanup has run) and rethrows the error.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <tuple>
#include <weir/weir.hpp>

using namespace std::chrono_literals;

namespace {

std::atomic<int> cancelled_count{0};

/// Sleeps for `delay`, then returns `value`, or throws if `fail`. Counts it when it is cancelled.
weir::task<int> step(const char* name, int value, std::chrono::milliseconds delay, bool fail) {
    try {
        co_await weir::sleep(delay);
    } catch (const weir::operation_cancelled&) {
        cancelled_count.fetch_add(1);
        throw;
    }
    if (fail) throw std::runtime_error(std::string(name) + " failed");
    co_return value;
}

struct outcome {
    std::tuple<int, int, int> values;
    std::string error;
    int cancelled = 0;
    bool returned_early = false;
};

weir::task<outcome> run() {
    outcome o;
    o.values = co_await weir::try_join(step("a", 1, 20ms, false), step("b", 2, 10ms, false),
                                       step("c", 3, 30ms, false));

    cancelled_count.store(0);
    auto t0 = weir::clock::now();
    try {
        co_await weir::try_join(step("a", 1, 10s, false), step("b", 2, 10ms, true),
                                step("c", 3, 10s, false));
        o.error = "(no error)";
    } catch (const std::runtime_error& e) {
        o.error = e.what();
    }
    o.returned_early = weir::clock::now() - t0 < 5s;
    o.cancelled = cancelled_count.load();
    co_return o;
}

}  // namespace

// The weir tool links this file in with WEIR_SEED_ENTRY naming the function (native/cli).
#ifndef WEIR_SEED_ENTRY
#define WEIR_SEED_ENTRY main
#endif
int WEIR_SEED_ENTRY() {
    weir::runtime rt;
    outcome o = rt.block_on(run());
    auto [a, b, c] = o.values;
    std::printf("all succeed: a = %d, b = %d, c = %d\n", a, b, c);
    std::printf("b fails: try_join threw \"%s\"\n", o.error.c_str());
    std::printf("others cancelled: %d\n", o.cancelled);
    std::printf("try_join returned %s\n", o.returned_early
                                              ? "at once, without waiting for their 10 s sleeps"
                                              : "only after the 10 s sleeps (not cancelled!)");
    return 0;
}

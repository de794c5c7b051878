// Scale: one million spawned tasks, each sleeping a random 0-5 ms, all complete. The test prints
// the process's peak resident memory so the figure can be tracked (it asserts no timing).
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <weir/weir.hpp>

#ifdef __EMSCRIPTEN__
#include <emscripten/heap.h>
#endif

namespace {
/// Peak resident set size in KiB (VmHWM), or the wasm heap size, or 0 if unknown.
long peak_rss_kib() {
#ifdef __EMSCRIPTEN__
    return static_cast<long>(emscripten_get_heap_size() / 1024);
#else
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    return 0;
#endif
}
}  // namespace

TEST_CASE("stress_one_million_spawned_sleeping_tasks_all_complete", "[stress]") {
    constexpr int n = 1'000'000;
    weir::runtime rt(weir::runtime::options{.worker_threads = 2});
    std::atomic<int> done{0};
    weir::notify all_done;
    auto start = std::chrono::steady_clock::now();
    rt.block_on([](std::atomic<int>& done, weir::notify& all_done) -> weir::task<void> {
        std::mt19937 rng(1234);
        std::uniform_int_distribution<int> ms(0, 5);
        for (int i = 0; i < n; ++i) {
            weir::spawn(
                [](int d, std::atomic<int>& done, weir::notify& all_done) -> weir::task<void> {
                    co_await weir::sleep(std::chrono::milliseconds(d));
                    if (done.fetch_add(1, std::memory_order_acq_rel) + 1 == n)
                        all_done.notify_one();
                }(ms(rng), done, all_done));
        }
        co_await all_done.notified();
    }(done, all_done));
    auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    REQUIRE(done.load() == n);
    std::printf("stress: %d tasks completed in %.2f s, peak RSS %.1f MiB\n", n, secs,
                static_cast<double>(peak_rss_kib()) / 1024.0);
}

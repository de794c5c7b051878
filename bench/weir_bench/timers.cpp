// Benchmark 8, timers_100k: 100 000 tasks, task i sleeps until now + d_i ms (d_i from splitmix64
// seeded with 42, the same sequence as the peers', checked), then adds its lateness to a sum.
// Reported: the median wall time per iteration and, derived, the median mean lateness in ns.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <numeric>
#include <vector>
#include <weir/weir.hpp>

#include "benchmarks.hpp"
#include "driver_signal.hpp"

namespace weir_bench {
namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
    state += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

struct shared {
    std::vector<std::uint64_t> delays;
    std::atomic<std::size_t> rem{0};
    std::atomic<std::uint64_t> late{0};
    driver_signal done;
};

weir::task<void> timer_task(shared* s, std::uint64_t d) {
    auto deadline = weir::clock::now() + std::chrono::milliseconds(d);
    co_await weir::sleep_until(deadline);
    auto l = std::max(weir::clock::duration::zero(), weir::clock::now() - deadline);
    s->late.fetch_add(
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(l).count()),
        std::memory_order_relaxed);
    if (s->rem.fetch_sub(1, std::memory_order_acq_rel) == 1) s->done.post();
}
weir::task<void> timer_root(shared* s) {
    for (std::uint64_t d : s->delays) weir::spawn(timer_task(s, d));
    co_return;
}

}  // namespace

void timers_100k(const harness& h, std::size_t workers) {
    weir::runtime rt{weir::runtime::options{.worker_threads = workers}};
    traced tracing(h, rt);
    shared s;
    std::uint64_t state = timer_seed;
    for (std::size_t i = 0; i < timers_n; ++i) s.delays.push_back(1 + splitmix64(state) % 10);
    // The peers' cross-implementation check of the delay sequence.
    const std::uint64_t first[] = {4, 2, 9, 5, 1};
    for (std::size_t i = 0; i < 5; ++i)
        h.check("timers_100k", "one of the first five delays", s.delays[i], first[i]);
    h.check("timers_100k", "the sum of the delays",
            std::accumulate(s.delays.begin(), s.delays.end(), std::uint64_t(0)),
            std::uint64_t(551'426));
    auto [med, lateness] = h.run("timers_100k", 1, 5, [&]() -> std::optional<double> {
        s.rem.store(timers_n, std::memory_order_relaxed);
        s.late.store(0, std::memory_order_relaxed);
        rt.spawn(timer_root(&s));
        s.done.wait(rt);
        h.check("timers_100k", "the tasks left", s.rem.load(), std::size_t(0));
        return static_cast<double>(s.late.load(std::memory_order_relaxed)) / timers_n;
    });
    (void)med;
    h.derived("timers_100k.lateness_mean", *lateness);
}

}  // namespace weir_bench

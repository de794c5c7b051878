// weir-stream-costs: what a stream stage costs per item, against a plain loop and a loop that
// awaits one task per item, on one worker, in the same run. The figures quoted in
// docs/streams.md ("What it costs") come from this program built in Release
// (build/release/bench/weir-stream-costs). Medians of 7 runs; the machines are noisy, so compare
// rows of one run, not runs.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include <weir/weir.hpp>

namespace ws = weir::stream;
using clk = std::chrono::steady_clock;

namespace {

weir::task<long> times_three(long x) { co_return x * 3; }

weir::task<long> plain_loop(long n) {
    long s = 0;
    for (long x = 0; x < n; ++x) {
        long y = x * 3;
        if (y % 2 == 0) s += y;
    }
    co_return s;
}
weir::task<long> loop_awaiting_a_task(long n) {
    long s = 0;
    for (long x = 0; x < n; ++x) {
        long y = co_await times_three(x);
        if (y % 2 == 0) s += y;
    }
    co_return s;
}
weir::task<long> iter_sum(long n) { co_return co_await ws::iter(0L, n).sum(); }
weir::task<long> iter_map_sum(long n) {
    co_return co_await ws::iter(0L, n).map([](long x) { return x * 3; }).sum();
}
weir::task<long> iter_map_take_sum(long n) {
    co_return co_await ws::iter(0L, n).map([](long x) { return x * 3; }).take(n).sum();
}
weir::task<long> iter_map_chain_sum(long n) {
    auto times3 = [](long x) { return x * 3; };
    co_return co_await ws::iter(0L, n / 2).map(times3).chain(ws::iter(n / 2, n).map(times3)).sum();
}
weir::task<long> iter_map_filter_sum(long n) {
    co_return co_await ws::iter(0L, n)
        .map([](long x) { return x * 3; })
        .filter([](long y) { return y % 2 == 0; })
        .sum();
}
weir::task<long> map_task_buffered_collect(long n) {
    auto v = co_await ws::iter(0L, n)
                 .map([](long x) -> weir::task<long> { co_return x* x; })
                 .buffered(100)
                 .collect();
    co_return static_cast<long>(v.size());
}
weir::task<long> map_task_take_buffered_collect(long n) {
    auto v = co_await ws::iter(0L, n)
                 .map([](long x) -> weir::task<long> { co_return x* x; })
                 .take(static_cast<std::size_t>(n))  // between map and buffered: tasks own items
                 .buffered(100)
                 .collect();
    co_return static_cast<long>(v.size());
}
weir::task<long> map_task_buffered_filter_collect(long n) {
    auto v = co_await ws::iter(0L, n)
                 .map([](long x) -> weir::task<long> { co_return x* x; })
                 .buffered(100)
                 .filter([](long x) { return x % 2 == 0; })
                 .collect();
    co_return static_cast<long>(v.size());
}

template <class F>
double ns_per_item(weir::runtime& rt, F f, long n) {
    std::vector<double> v;
    for (int i = 0; i < 7; ++i) {
        auto t0 = clk::now();
        volatile long r = rt.block_on(f(n));
        (void)r;
        v.push_back(std::chrono::duration<double, std::nano>(clk::now() - t0).count() / n);
    }
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    long n = argc > 1 ? std::atol(argv[1]) : 5'000'000;
    weir::runtime rt({.worker_threads = 1});
    std::printf("ns per item, median of 7 runs, n = %ld, 1 worker\n", n);
    std::printf("  plain loop                                   %7.2f\n",
                ns_per_item(rt, plain_loop, n));
    std::printf("  loop awaiting a task per item                %7.2f\n",
                ns_per_item(rt, loop_awaiting_a_task, n));
    std::printf("  iter.sum                                     %7.2f\n",
                ns_per_item(rt, iter_sum, n));
    std::printf("  iter.map.sum                                 %7.2f\n",
                ns_per_item(rt, iter_map_sum, n));
    std::printf("  iter.map.take.sum                            %7.2f\n",
                ns_per_item(rt, iter_map_take_sum, n));
    std::printf("  iter.map.chain(iter.map).sum                 %7.2f\n",
                ns_per_item(rt, iter_map_chain_sum, n));
    std::printf("  iter.map.filter.sum                          %7.2f\n",
                ns_per_item(rt, iter_map_filter_sum, n));
    std::printf("  iter.map(task).buffered(100).collect         %7.2f\n",
                ns_per_item(rt, map_task_buffered_collect, n / 5));
    std::printf("  iter.map(task).take.buffered(100).collect    %7.2f\n",
                ns_per_item(rt, map_task_take_buffered_collect, n / 5));
    std::printf("  iter.map(task).buffered(100).filter.collect  %7.2f\n",
                ns_per_item(rt, map_task_buffered_filter_collect, n / 5));
}

// Seed example 1: a stream pipeline. The integers 0..999 are squared by tasks, up to 100 of them
// running at once (map + buffered keeps input order), the even squares are kept, and collect()
// gathers them into a vector.
#include <cstddef>
#include <cstdio>
#include <vector>
#include <weir/weir.hpp>

namespace ws = weir::stream;

namespace {

weir::task<std::vector<int>> even_squares() {
    co_return co_await ws::iter(0, 1000)
        .map([](int x) -> weir::task<int> { co_return (x * x); })
        .buffered(100)
        .filter([](int x) { return x % 2 == 0; })
        .collect();
}

}  // namespace

// The weir tool links this file in with WEIR_SEED_ENTRY naming the function (native/cli).
#ifndef WEIR_SEED_ENTRY
#define WEIR_SEED_ENTRY main
#endif
int WEIR_SEED_ENTRY() {
    weir::runtime rt;
    std::vector<int> v = rt.block_on(even_squares());

    long long sum = 0;
    for (int x : v) sum += x;

    std::printf("pipeline: iter(0, 1000).map(square).buffered(100).filter(even).collect()\n");
    std::printf("items: %zu\n", v.size());
    std::printf("first five:");
    for (std::size_t i = 0; i < 5 && i < v.size(); ++i) std::printf(" %d", v[i]);
    std::printf("\n");
    if (!v.empty()) std::printf("last: %d\n", v.back());
    std::printf("sum: %lld\n", sum);
    return 0;
}

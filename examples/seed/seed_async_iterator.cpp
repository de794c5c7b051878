// Seed example 5: an async iterator. then() awaits one task per item (each sleeps 1 ms and gives
// x * x), chunks(10) groups the squares into vectors of ten, map + buffered(5) sums up to five
// chunks concurrently (results in input order), and collect() gathers the ten sums.
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <vector>
#include <weir/weir.hpp>

namespace ws = weir::stream;
using namespace std::chrono_literals;

namespace {

weir::task<std::vector<int>> chunk_sums() {
    co_return co_await ws::iter(0, 100)
        .then([](int x) -> weir::task<int> {
            co_await weir::sleep(1ms);
            co_return (x * x);
        })
        .chunks(10)
        .map([](std::vector<int> c) -> weir::task<int> {
            int s = 0;
            for (int x : c) s += x;
            co_return s;
        })
        .buffered(5)
        .collect();
}

}  // namespace

// The weir tool links this file in with WEIR_SEED_ENTRY naming the function (native/cli).
#ifndef WEIR_SEED_ENTRY
#define WEIR_SEED_ENTRY main
#endif
int WEIR_SEED_ENTRY() {
    weir::runtime rt;
    std::vector<int> sums = rt.block_on(chunk_sums());
    std::printf(
        "pipeline: iter(0, 100).then(sleep 1 ms, square).chunks(10).map(sum)"
        ".buffered(5).collect()\n");
    std::printf("%zu chunk sums:", sums.size());
    for (int s : sums) std::printf(" %d", s);
    std::printf("\n");
    return 0;
}

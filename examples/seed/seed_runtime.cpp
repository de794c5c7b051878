// Seed example 2: the runtime. 1000 tasks are spawned onto the worker pool; each yields once (so
// the others get to run) and returns i * 2. join_all waits for all of them and gives their values
// in spawn order.
#include <cstdio>
#include <utility>
#include <vector>
#include <weir/weir.hpp>

namespace {

weir::task<int> doubled(int i) {
    co_await weir::yield_now();
    co_return i * 2;
}

weir::task<long long> spawn_and_sum() {
    std::vector<weir::join_handle<int>> handles;
    handles.reserve(1000);
    for (int i = 0; i < 1000; ++i) handles.push_back(weir::spawn(doubled(i)));
    std::vector<int> values = co_await weir::join_all(std::move(handles));
    long long sum = 0;
    for (int v : values) sum += v;
    co_return sum;
}

}  // namespace

// The weir tool links this file in with WEIR_SEED_ENTRY naming the function (native/cli).
#ifndef WEIR_SEED_ENTRY
#define WEIR_SEED_ENTRY main
#endif
int WEIR_SEED_ENTRY() {
    weir::runtime rt;
    long long sum = rt.block_on(spawn_and_sum());
    std::printf("spawned 1000 tasks; each yielded once, then returned i * 2\n");
    std::printf("join_all sum: %lld\n", sum);
    return 0;
}

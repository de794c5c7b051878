// The demo that scripts/run.sh runs until the playground exists: a few things the runtime does,
// printed as they happen.
#include <cstdio>
#include <weir/weir.hpp>

int main() {
    weir::runtime rt;
    std::printf("weir %s demo: %zu worker threads\n", weir::version, rt.worker_count());
    auto v = rt.block_on([]() -> weir::task<int> { co_return 42; }());
    std::printf("block_on: %d\n", v);
    return 0;
}

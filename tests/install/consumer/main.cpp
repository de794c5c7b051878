// Uses the installed weir the way a user would: runtime, block_on, spawn, join handles, sleep.
// tests/install/run.sh builds it with find_package(weir) and with pkg-config and checks that it
// prints "consumer ok 10".
#include <chrono>
#include <cstdio>
#include <vector>
#include <weir/weir.hpp>

namespace {

weir::task<int> one(int i) {
    co_await weir::yield_now();
    co_return i;
}

weir::task<int> sum_of_spawned() {
    std::vector<weir::join_handle<int>> handles;
    for (int i = 0; i < 5; ++i) handles.push_back(weir::spawn(one(i)));
    int sum = 0;
    for (auto& h : handles) sum += co_await h;  // 0 + 1 + 2 + 3 + 4
    co_await weir::sleep(std::chrono::milliseconds(5));
    co_return sum;
}

}  // namespace

int main() {
    weir::runtime rt(weir::runtime::options{.worker_threads = 2});
    auto start = weir::clock::now();
    int sum = rt.block_on(sum_of_spawned());
    if (weir::clock::now() - start < std::chrono::milliseconds(5)) {
        std::printf("consumer: sleep(5ms) returned early\n");
        return 1;
    }
    std::printf("consumer ok %d\n", sum);
    return sum == 10 ? 0 : 1;
}

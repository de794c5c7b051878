// The demo that scripts/run.sh runs until the playground exists: the runtime at work, narrated.
// Each step prints what it did and what it measured, so a newcomer can read the output like a
// guided tour: spawning, work stealing across workers, timers, select/timeout, channels with
// backpressure, cancellation.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <set>
#include <thread>
#include <vector>
#include <weir/weir.hpp>

using namespace std::chrono_literals;

namespace {

weir::task<long> spawn_and_join() {
    std::vector<weir::join_handle<int>> hs;
    for (int i = 0; i < 1000; ++i)
        hs.push_back(weir::spawn([](int i) -> weir::task<int> {
            co_await weir::yield_now();
            co_return (i * 2);
        }(i)));
    long sum = 0;
    for (int v : co_await weir::join_all(std::move(hs))) sum += v;
    co_return sum;
}

weir::task<std::size_t> threads_used() {
    // CPU-bound tasks spread over the workers by work stealing.
    std::vector<weir::join_handle<std::thread::id>> hs;
    for (int i = 0; i < 64; ++i)
        hs.push_back(weir::spawn([]() -> weir::task<std::thread::id> {
            volatile double x = 0;
            for (int k = 0; k < 200000; ++k) x = x + k * 0.5;
            co_return std::this_thread::get_id();
        }()));
    std::set<std::thread::id> ids;
    for (auto& id : co_await weir::join_all(std::move(hs))) ids.insert(id);
    co_return ids.size();
}

weir::task<void> channel_pipeline() {
    auto [tx, rx] = weir::mpsc::channel<int>(8);
    auto producer = weir::spawn([](weir::mpsc::sender<int> tx) -> weir::task<void> {
        for (int i = 1; i <= 100; ++i) co_await tx.send(i);  // waits while the channel is full
    }(std::move(tx)));
    long total = 0;
    int count = 0;
    while (auto v = co_await rx.recv()) {
        total += *v;
        ++count;
    }
    co_await producer;
    std::printf("  channel: received %d values through a capacity-8 channel, sum %ld\n", count,
                total);
}

weir::task<void> cancellation() {
    weir::cancellation_token parent;
    auto child = parent.child_token();
    auto worker = weir::spawn([](weir::cancellation_token tok) -> weir::task<int> {
        int ticks = 0;
        for (;;) {
            auto r = co_await weir::select(tok.cancelled(), weir::sleep(100ms));
            if (r.index() == 0) break;
            ++ticks;
        }
        co_return ticks;
    }(child));
    co_await weir::sleep(500ms);
    parent.cancel();
    int ticks = co_await worker;
    std::printf("  cancellation: the child token's task stopped gracefully after %d ticks\n",
                ticks);
}

weir::task<void> tour() {
    auto t0 = weir::clock::now();
    long sum = co_await spawn_and_join();
    std::printf("  spawn: 1000 tasks yielded then returned i*2; join_all sum = %ld\n", sum);

    std::size_t used = co_await threads_used();
    std::printf("  work stealing: 64 CPU-bound tasks ran on %zu worker thread(s)\n", used);

    auto before = weir::clock::now();
    co_await weir::sleep(25ms);
    auto slept = std::chrono::duration_cast<std::chrono::milliseconds>(weir::clock::now() - before);
    std::printf("  timer: sleep(25ms) took %lld ms\n", static_cast<long long>(slept.count()));

    auto r = co_await weir::select(weir::sleep(50ms), [](void) -> weir::task<const char*> {
        co_await weir::sleep(10ms);
        co_return "fast branch";
    }());
    std::printf("  select: branch %zu won (%s); the loser was cancelled\n", r.index(),
                r.index() == 1 ? std::get<1>(r) : "sleep");

    try {
        co_await weir::timeout(10ms, weir::sleep(1s));
    } catch (const weir::timed_out&) {
        std::printf("  timeout: a 1 s sleep under a 10 ms timeout threw weir::timed_out\n");
    }

    co_await channel_pipeline();
    co_await cancellation();
    auto total = std::chrono::duration_cast<std::chrono::milliseconds>(weir::clock::now() - t0);
    std::printf("  the tour took %lld ms\n", static_cast<long long>(total.count()));
}

}  // namespace

int main() {
    weir::runtime rt;
    std::printf("weir %s demo: %zu worker threads\n", weir::version, rt.worker_count());
    rt.block_on(tour());
    return 0;
}

// weir-idle-tasks: what one spawned task costs in memory while it waits. Spawns N tasks (default
// 1,000,000) that each wait on one weir::notify, measures the resident set before and after
// (VmRSS, Linux), prints `weir idle_task_bytes <bytes per task>`, then wakes them all and checks
// that every one finished. bench/peers-extra/idle_tasks is the same program on tokio; both run
// from scripts/bench.sh.
//
//   weir-idle-tasks [--tasks N] [--workers W]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <weir/weir.hpp>

namespace {

std::size_t rss_bytes() {
    std::ifstream f("/proc/self/status");
    for (std::string line; std::getline(f, line);)
        if (line.rfind("VmRSS:", 0) == 0)
            return std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
    return 0;
}

struct shared {
    weir::notify wake;
    std::atomic<std::size_t> waiting{0};
    std::atomic<std::size_t> finished{0};
};

weir::task<void> idle(shared* s) {
    auto wait = s->wake.notified();  // created before counting, as tokio's Notified
    s->waiting.fetch_add(1, std::memory_order_relaxed);
    co_await std::move(wait);
    s->finished.fetch_add(1, std::memory_order_relaxed);
}
weir::task<void> spawn_all(shared* s, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) weir::spawn(idle(s));  // detached: no handle kept
    co_return;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t n = 1'000'000, workers = 2;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i];
        if (a == "--tasks")
            n = std::strtoull(argv[i + 1], nullptr, 10);
        else if (a == "--workers")
            workers = std::strtoull(argv[i + 1], nullptr, 10);
    }
    if (n == 0 || workers == 0) {
        std::fprintf(stderr, "usage: weir-idle-tasks [--tasks N>0] [--workers W>0]\n");
        return 2;
    }
    weir::runtime rt{weir::runtime::options{.worker_threads = workers}};
    shared s;
    rt.block_on([]() -> weir::task<void> { co_return; }());  // the runtime has started
    std::size_t before = rss_bytes();
    rt.block_on(spawn_all(&s, n));
    while (s.waiting.load() < n) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // all suspended by now
    std::size_t after = rss_bytes();
    std::printf("weir idle_task_bytes %.0f\n", double(after - before) / double(n));
    while (s.finished.load() < n) {
        s.wake.notify_waiters();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return 0;
}

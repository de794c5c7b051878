// Benchmarks 1-5 and 7 of the peers' suite: the scheduler alone (spawns, yields, oneshot ping
// pong, a chain of spawns, join_all). Spawned tasks whose join_handle is dropped are detached,
// as tokio::spawn's are.
#include <atomic>
#include <cstdint>
#include <vector>
#include <weir/weir.hpp>

#include "benchmarks.hpp"
#include "driver_signal.hpp"

namespace weir_bench {
namespace {

weir::runtime::options opts(std::size_t workers) {
    return weir::runtime::options{.worker_threads = workers};
}

/// A countdown that wakes the driver when it reaches zero.
struct countdown {
    std::atomic<std::size_t> rem{0};
    driver_signal done;
    void hit() {
        if (rem.fetch_sub(1, std::memory_order_relaxed) == 1) done.post();
    }
};

// ---- 1 -----------------------------------------------------------------------------------------
weir::task<void> local_leaf(countdown* c) {
    c->hit();
    co_return;
}
weir::task<void> local_root(countdown* c) {
    for (std::size_t i = 0; i < num_spawn; ++i) weir::spawn(local_leaf(c));
    co_return;
}

// ---- 2 -----------------------------------------------------------------------------------------
weir::task<void> empty_task() { co_return; }
weir::task<void> await_in_order(std::vector<weir::join_handle<void>>& hs) {
    for (auto& h : hs) co_await h;
}

// ---- 3 -----------------------------------------------------------------------------------------
weir::task<void> yielder(driver_signal* done) {
    for (std::size_t i = 0; i < num_yield; ++i) co_await weir::yield_now();
    done->post();
}

// ---- 4 -----------------------------------------------------------------------------------------
weir::task<void> pong(weir::oneshot::receiver<int> rx1, weir::oneshot::sender<int> tx2) {
    co_await rx1;
    tx2.send(0);
}
weir::task<void> ping(countdown* c) {
    auto [tx1, rx1] = weir::oneshot::channel<int>();
    auto [tx2, rx2] = weir::oneshot::channel<int>();
    weir::spawn(pong(std::move(rx1), std::move(tx2)));
    tx1.send(0);
    co_await rx2;
    c->hit();
}
weir::task<void> ping_root(countdown* c) {
    for (std::size_t i = 0; i < num_pings; ++i) weir::spawn(ping(c));
    co_return;
}

// ---- 5 -----------------------------------------------------------------------------------------
weir::task<void> chain(driver_signal* done, std::size_t n) {
    if (n == 0)
        done->post();
    else
        weir::spawn(chain(done, n - 1));
    co_return;
}

// ---- 7 -----------------------------------------------------------------------------------------
weir::task<std::uint64_t> join_child(std::uint64_t i) {
    co_await weir::yield_now();
    co_return i * 2;
}
weir::task<std::uint64_t> join_root() {
    std::vector<weir::join_handle<std::uint64_t>> hs;
    hs.reserve(join_n);
    for (std::uint64_t i = 0; i < join_n; ++i) hs.push_back(weir::spawn(join_child(i)));
    std::uint64_t sum = 0;
    for (std::uint64_t v : co_await weir::join_all(std::move(hs))) sum += v;
    co_return sum;
}
template <class T>
weir::task<T> on_worker(weir::task<T> t) {
    co_return co_await weir::spawn(std::move(t));
}

}  // namespace

void spawn_many_local(const harness& h, std::size_t workers) {
    weir::runtime rt{opts(workers)};
    traced tracing(h, rt);
    countdown c;
    h.run("spawn_many_local", 3, 21, [&]() -> std::optional<double> {
        c.rem.store(num_spawn, std::memory_order_relaxed);
        rt.spawn(local_root(&c));
        c.done.wait(rt);
        return std::nullopt;
    });
}

void spawn_many_remote_idle(const harness& h, std::size_t workers) {
    weir::runtime rt{opts(workers)};
    traced tracing(h, rt);
    std::vector<weir::join_handle<void>> hs;
    hs.reserve(num_spawn);
    h.run("spawn_many_remote_idle", 3, 21, [&]() -> std::optional<double> {
        for (std::size_t i = 0; i < num_spawn; ++i) hs.push_back(rt.spawn(empty_task()));
        rt.block_on(await_in_order(hs));
        hs.clear();
        return std::nullopt;
    });
}

void yield_many(const harness& h, std::size_t workers) {
    weir::runtime rt{opts(workers)};
    traced tracing(h, rt);
    driver_signal done;
    h.run("yield_many", 2, 11, [&]() -> std::optional<double> {
        for (std::size_t i = 0; i < yield_tasks; ++i) rt.spawn(yielder(&done));
        done.wait(rt, yield_tasks);
        return std::nullopt;
    });
}

void ping_pong(const harness& h, std::size_t workers) {
    weir::runtime rt{opts(workers)};
    traced tracing(h, rt);
    countdown c;
    h.run("ping_pong", 3, 21, [&]() -> std::optional<double> {
        c.rem.store(num_pings, std::memory_order_relaxed);
        rt.spawn(ping_root(&c));
        c.done.wait(rt);
        return std::nullopt;
    });
}

void chained_spawn(const harness& h, std::size_t workers) {
    weir::runtime rt{opts(workers)};
    traced tracing(h, rt);
    driver_signal done;
    h.run("chained_spawn", 3, 21, [&]() -> std::optional<double> {
        rt.spawn(chain(&done, chain_iter));
        done.wait(rt);
        return std::nullopt;
    });
}

void join_all_1000(const harness& h, std::size_t workers) {
    weir::runtime rt{opts(workers)};
    traced tracing(h, rt);
    h.run("join_all_1000", 3, 21, [&]() -> std::optional<double> {
        std::uint64_t sum = rt.block_on(on_worker(join_root()));
        h.check("join_all_1000", "the sum", sum, join_n * (join_n - 1));
        return std::nullopt;
    });
}

}  // namespace weir_bench

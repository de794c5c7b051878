// The benchmarks of ../shared/peers/README.md, with its parameters; one function per benchmark,
// each building its own runtime with `workers` workers (untimed) and measuring through the
// harness. The driver (main thread) is not a worker: it submits work and blocks on a semaphore
// or in block_on until the work signals completion.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <thread>
#include <weir/runtime.hpp>

#include "harness.hpp"

namespace weir_bench {

// Parameters, as in the peers' README and sources.
inline constexpr std::size_t num_spawn = 10'000;      // spawn_many_*
inline constexpr std::size_t yield_tasks = 200;       // yield_many
inline constexpr std::size_t num_yield = 1'000;       // yield_many
inline constexpr std::size_t num_pings = 1'000;       // ping_pong
inline constexpr std::size_t chain_iter = 1'000;      // chained_spawn
inline constexpr std::uint64_t stream_n = 1'000'000;  // stream_pipeline*
inline constexpr std::size_t stream_window = 100;     // stream_pipeline*
inline constexpr std::uint64_t join_n = 1'000;        // join_all_1000
inline constexpr std::size_t timers_n = 100'000;      // timers_100k
inline constexpr std::uint64_t timer_seed = 42;       // timers_100k (splitmix64)
inline constexpr std::size_t mpsc_cap = 1'024;        // mpsc_throughput
inline constexpr std::uint64_t mpsc_producers = 4;
inline constexpr std::uint64_t mpsc_per_producer = 250'000;
inline constexpr std::size_t tcp_conns = 50;  // tcp_echo_loopback
inline constexpr std::size_t tcp_rounds = 2'000;
inline constexpr std::size_t tcp_msg = 64;

/// With --trace or --trace-live (harness::tracing). --trace: the harness turns rt's tracing on
/// for half of the samples (rings of 2^22 words, 32 MiB, per worker: enough for every traced
/// iteration of yield_many and spawn_many_local, made before the first and taken once when the
/// benchmark ends, so that nothing but the recording differs between the halves).
/// --trace-live: on while this lives, rings of 2^19 words emptied every 2 ms by a thread
/// of its own with runtime::collect_trace, as the `weir trace` tool does, and taken at the end.
/// Dropped events (a benchmark that records more than the rings hold) are reported on stderr.
class traced {
public:
    traced(const harness& h, weir::runtime& rt) : h_(h), rt_(rt) {
        if (h.trace() == harness::tracing::off) return;
        bool live = h.trace() == harness::tracing::live;
        rt_.start_tracing(std::size_t(1) << (live ? 19 : 22));
        if (!live) {
            rt_.stop_tracing();  // the rings stay; the harness switches recording per sample
            h.tracing_switch([this](bool on) {
                if (on)
                    rt_.start_tracing();
                else
                    rt_.stop_tracing();
            });
            return;
        }
        drain_ = std::thread([this] {
            while (!stop_.load()) {
                rt_.collect_trace();
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
            }
        });
    }
    ~traced() {
        if (h_.trace() == harness::tracing::off) return;
        h_.tracing_switch({});
        if (drain_.joinable()) {
            stop_ = true;
            drain_.join();
        }
        rt_.stop_tracing();
        take();
        std::fprintf(stderr, "#  trace: %zu events taken, %zu dropped\n", events_, dropped_);
    }
    traced(const traced&) = delete;

private:
    void take() {
        rt_.take_trace(log_);
        events_ += log_.events.size();
        dropped_ += log_.dropped;
    }
    const harness& h_;
    weir::runtime& rt_;
    weir::trace::log log_;
    std::atomic<bool> stop_{false};
    std::size_t events_ = 0, dropped_ = 0;
    std::thread drain_;
};

void spawn_many_local(const harness& h, std::size_t workers);
void spawn_many_remote_idle(const harness& h, std::size_t workers);
void yield_many(const harness& h, std::size_t workers);
void ping_pong(const harness& h, std::size_t workers);
void chained_spawn(const harness& h, std::size_t workers);
void stream_pipeline(const harness& h, std::size_t workers);
void stream_pipeline_spawn(const harness& h, std::size_t workers);
void join_all_1000(const harness& h, std::size_t workers);
void timers_100k(const harness& h, std::size_t workers);
void mpsc_throughput(const harness& h, std::size_t workers);
void tcp_echo_loopback(const harness& h, std::size_t workers);

/// Every benchmark by name, in the order weir-bench runs them (and `weir list` shows them).
struct benchmark {
    const char* name;
    void (*fn)(const harness&, std::size_t workers);
};
inline const benchmark all_benchmarks[] = {
    {"spawn_many_local", spawn_many_local},
    {"spawn_many_remote_idle", spawn_many_remote_idle},
    {"yield_many", yield_many},
    {"ping_pong", ping_pong},
    {"chained_spawn", chained_spawn},
    {"stream_pipeline", stream_pipeline},
    {"stream_pipeline_spawn", stream_pipeline_spawn},
    {"join_all_1000", join_all_1000},
    {"timers_100k", timers_100k},
    {"mpsc_throughput", mpsc_throughput},
#if !defined(__EMSCRIPTEN__)  // no sockets in WebAssembly
    {"tcp_echo_loopback", tcp_echo_loopback},
#endif
};

}  // namespace weir_bench

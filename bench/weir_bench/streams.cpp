// Benchmarks 6 and 6b: the spec pipeline in weir::stream form, run inside one spawned task.
//   stream_pipeline:       iter(0..N).map(async x*x).buffered(100).filter(even).collect()
//                          (the element tasks run inside the consuming task, as in futures'
//                          FuturesOrdered: nothing is spawned)
//   stream_pipeline_spawn: the same with spawn_buffered(100): every element is a spawned task
//                          on the worker pool, results taken in input order
#include <cstdint>
#include <vector>
#include <weir/weir.hpp>

#include "benchmarks.hpp"

namespace weir_bench {
namespace {

namespace ws = weir::stream;

weir::task<std::uint64_t> square(std::uint64_t x) { co_return x* x; }
bool even(std::uint64_t x) { return x % 2 == 0; }

weir::task<std::vector<std::uint64_t>> pipeline() {
    co_return co_await ws::iter(std::uint64_t(0), stream_n)
        .map(square)
        .buffered(stream_window)
        .filter(even)
        .collect();
}
weir::task<std::vector<std::uint64_t>> pipeline_spawn() {
    co_return co_await ws::iter(std::uint64_t(0), stream_n)
        .map(square)
        .spawn_buffered(stream_window)
        .filter(even)
        .collect();
}
template <class T>
weir::task<T> on_worker(weir::task<T> t) {
    co_return co_await weir::spawn(std::move(t));
}

void run(const harness& h, std::size_t workers, const char* name, int samples,
         weir::task<std::vector<std::uint64_t>> (*make)()) {
    weir::runtime rt{weir::runtime::options{.worker_threads = workers}};
    traced tracing(h, rt);
    h.run(name, 1, samples, [&]() -> std::optional<double> {
        std::vector<std::uint64_t> v = rt.block_on(on_worker(make()));
        h.check(name, "the number of results", v.size(), static_cast<std::size_t>(stream_n / 2));
        return std::nullopt;
    });
}

}  // namespace

void stream_pipeline(const harness& h, std::size_t workers) {
    run(h, workers, "stream_pipeline", 7, pipeline);
}
void stream_pipeline_spawn(const harness& h, std::size_t workers) {
    run(h, workers, "stream_pipeline_spawn", 3, pipeline_spawn);
}

}  // namespace weir_bench

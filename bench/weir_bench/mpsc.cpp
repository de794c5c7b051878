// Benchmark 9, mpsc_throughput: a bounded channel (capacity 1024), 4 producers x 250 000 values
// to one consumer (the root task itself), the sum checked. Derived: ns per message.
#include <cstdint>
#include <weir/weir.hpp>

#include "benchmarks.hpp"

namespace weir_bench {
namespace {

weir::task<void> producer(weir::mpsc::sender<std::uint64_t> tx) {
    for (std::uint64_t i = 0; i < mpsc_per_producer; ++i) co_await tx.send(i);
}
weir::task<std::uint64_t> consumer_root() {
    auto [tx, rx] = weir::mpsc::channel<std::uint64_t>(mpsc_cap);
    for (std::uint64_t p = 0; p < mpsc_producers; ++p) weir::spawn(producer(tx));
    { auto drop = std::move(tx); }
    std::uint64_t sum = 0;
    for (std::uint64_t i = 0; i < mpsc_producers * mpsc_per_producer; ++i) {
        std::optional<std::uint64_t> v = co_await rx.recv();
        if (!v) break;  // all senders gone early: the count check below fails
        sum += *v;
    }
    co_return sum;
}
weir::task<std::uint64_t> on_worker(weir::task<std::uint64_t> t) {
    co_return co_await weir::spawn(std::move(t));
}

}  // namespace

void mpsc_throughput(const harness& h, std::size_t workers) {
    weir::runtime rt{weir::runtime::options{.worker_threads = workers}};
    traced tracing(h, rt);
    constexpr std::uint64_t total = mpsc_producers * mpsc_per_producer;
    auto [med, extra] = h.run("mpsc_throughput", 1, 5, [&]() -> std::optional<double> {
        std::uint64_t sum = rt.block_on(on_worker(consumer_root()));
        h.check("mpsc_throughput", "the sum", sum,
                mpsc_producers * mpsc_per_producer * (mpsc_per_producer - 1) / 2);
        return std::nullopt;
    });
    (void)extra;
    h.derived("mpsc_throughput.per_msg", med / static_cast<double>(total));
}

}  // namespace weir_bench

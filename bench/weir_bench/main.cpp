// weir-bench: weir's side of the peer benchmark suite (../shared/peers/README.md is the
// specification: parameters, warm-up and sample counts, timing rules, result checks, output).
//
//   weir-bench [--workers N] [--only a,b] [--scale F] [--name SYSTEM] [--list]
//              [--corrupt-results] [--trace | --trace-live] [--engine-warmup-ms MS]
//
// stdout: `SYSTEM benchmark median_ns_per_iteration` per benchmark, plus the derived lines
// (timers_100k.lateness_mean, mpsc_throughput.per_msg, tcp_echo_loopback.per_rt); SYSTEM is
// weir-wN unless --name says otherwise. stderr: n, min and max per benchmark. A failed result
// check prints why and exits with status 1; bad arguments exit with status 2.
// --corrupt-results makes every check see a wrong value (for the test that shows checks work).
// --trace runs every sample twice, tracing off and on, and prints both medians and the overhead;
// --trace-live has a thread take it every millisecond instead (docs/observability.md).
// --engine-warmup-ms runs each benchmark's iterations untimed for that long before its samples
// (after the specified warm-up ones), for the WebAssembly builds: harness.hpp says why.
// The I/O driver is the runtime's automatic choice; WEIR_IO_BACKEND=asio measures the other one.
// WebAssembly builds (run under Node) have every benchmark but tcp_echo_loopback; the event-loop
// build runs them with one worker, the driver's own thread (docs/wasm.md).
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <sstream>
#include <string>
#include <vector>
#include <weir/detail/parker.hpp>

#include "benchmarks.hpp"

namespace {

using entry = weir_bench::benchmark;
const auto& all = weir_bench::all_benchmarks;

[[noreturn]] void usage(const std::string& error) {
    std::fprintf(stderr,
                 "weir-bench: %s\nusage: weir-bench [--workers N] [--only a,b] [--scale F] "
                 "[--name SYSTEM] [--list] [--corrupt-results] [--trace | --trace-live] "
                 "[--engine-warmup-ms MS]\n",
                 error.c_str());
    std::exit(2);
}

bool known(const std::string& name) {
    for (const entry& e : all)
        if (name == e.name) return true;
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t workers = 2;
    double scale = 1.0;
    std::string name;
    std::vector<std::string> only;
    bool corrupt = false;
    auto trace = weir_bench::harness::tracing::off;
    double engine_warmup_ms = 0;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(a + " needs a value");
            return argv[++i];
        };
        if (a == "--workers") {
            std::string v = value();
            char* end = nullptr;
            long n = std::strtol(v.c_str(), &end, 10);
            if (*end || n < 1 || n > 4096)
                usage("--workers wants a number from 1 to 4096, not " + v);
            workers = static_cast<std::size_t>(n);
        } else if (a == "--scale") {
            std::string v = value();
            char* end = nullptr;
            scale = std::strtod(v.c_str(), &end);
            if (*end || !(scale > 0)) usage("--scale wants a positive number, not " + v);
        } else if (a == "--name") {
            name = value();
        } else if (a == "--only") {
            std::stringstream ss(value());
            for (std::string b; std::getline(ss, b, ',');) {
                if (!known(b)) usage("unknown benchmark '" + b + "' (see --list)");
                only.push_back(b);
            }
        } else if (a == "--list") {
            for (const entry& e : all) std::printf("%s\n", e.name);
            return 0;
        } else if (a == "--engine-warmup-ms") {
            std::string v = value();
            char* end = nullptr;
            engine_warmup_ms = std::strtod(v.c_str(), &end);
            if (*end || !(engine_warmup_ms >= 0) || engine_warmup_ms > 600'000)
                usage("--engine-warmup-ms wants a number of ms from 0 to 600000, not " + v);
        } else if (a == "--trace") {
            trace = weir_bench::harness::tracing::paired;
        } else if (a == "--trace-live") {
            trace = weir_bench::harness::tracing::live;
        } else if (a == "--corrupt-results") {
            corrupt = true;
        } else if (a == "--help" || a == "-h") {
            usage("the peers' benchmark suite, weir's side");
        } else {
            usage("unknown argument " + a);
        }
    }
    if (weir::detail::backend_runs_on_event_loop()) {
        // The event-loop build (WebAssembly without threads) has one executor: the driver's
        // own thread, which block_on lends to the runtime. Nothing can drain a trace meanwhile.
        if (trace == weir_bench::harness::tracing::live)
            usage("--trace-live needs a second thread; the event-loop build has one");
        workers = 1;
    }
    if (name.empty()) name = "weir-w" + std::to_string(workers);
    weir_bench::harness h(name, scale, corrupt, trace, engine_warmup_ms);
    try {
        for (const entry& e : all) {
            bool wanted = only.empty();
            for (const std::string& o : only) wanted = wanted || o == e.name;
            if (wanted) e.fn(h, workers);
        }
    } catch (const weir_bench::check_failed& e) {
        std::fprintf(stderr, "weir-bench: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "weir-bench: error: %s\n", e.what());
        return 1;
    } catch (const weir::operation_cancelled& e) {  // not a std::exception (weir/errors.hpp)
        std::fprintf(stderr, "weir-bench: error: %s\n", e.what());
        return 1;
    }
    return 0;
}

// The weir command-line tool.
//
//   weir list                                      the built-in programs
//   weir trace [--out FILE] [--workers N] PROGRAM  run one with tracing on
//
// `trace` installs a trace::session, so every runtime the program makes traces itself from its
// start and hands its log and metrics over when it ends. Then the tool writes the Chrome
// trace-event JSON (default trace.json; docs/observability.md shows how to open it) and prints
// a summary: per-worker counters, and the busiest tasks with their polls and busy, scheduled and
// idle time (and self-wakes), then the warnings of trace::warnings (tasks that mostly wake
// themselves, lost wakers). While the program runs longer than a second, a progress line on stderr
// (only when stderr is a terminal) shows the elapsed time and the words recorded so far.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
#include <weir/weir.hpp>

#ifdef _WIN32
#include <io.h>
#define WEIR_ISATTY(fd) _isatty(fd)
#else
#include <unistd.h>
#define WEIR_ISATTY(fd) isatty(fd)
#endif

#ifdef WEIR_CLI_BENCHMARKS
#include "benchmarks.hpp"
#endif

int weir_seed_streams();
int weir_seed_runtime();
int weir_seed_cancellation();
int weir_seed_errors();
int weir_seed_async_iterator();

namespace {

struct program {
    std::string name;
    std::string about;
    int (*seed)() = nullptr;  // a seed example
#ifdef WEIR_CLI_BENCHMARKS
    const weir_bench::benchmark* bench = nullptr;  // or a benchmark, run once at 5 % of samples
#endif
};

std::vector<program> programs() {
    std::vector<program> p = {
        {"seed-streams", "a stream pipeline: map(square).buffered(100).filter(even).collect()",
         weir_seed_streams},
        {"seed-runtime", "1000 spawned tasks, each yields once, joined with join_all",
         weir_seed_runtime},
        {"seed-cancellation", "a ticking child task cancelled through a child token",
         weir_seed_cancellation},
        {"seed-errors", "try_join: one failure cancels the other branches", weir_seed_errors},
        {"seed-async-iterator", "then + chunks(10) + map.buffered(5) + collect",
         weir_seed_async_iterator},
    };
#ifdef WEIR_CLI_BENCHMARKS
    for (const auto& b : weir_bench::all_benchmarks) {
        program x;
        x.name = std::string("bench-") + b.name;
        x.about = "weir-bench's " + std::string(b.name) + ", one round at 5 % of its samples";
        x.bench = &b;
        p.push_back(x);
    }
#endif
    return p;
}

[[noreturn]] void usage(const std::string& error) {
    std::fprintf(stderr,
                 "weir: %s\n"
                 "usage: weir list\n"
                 "       weir trace [--out FILE] [--workers N] PROGRAM\n",
                 error.c_str());
    std::exit(2);
}

int run(const program& p, std::size_t workers) {
#ifdef WEIR_CLI_BENCHMARKS
    if (p.bench) {
        weir_bench::harness h("weir-w" + std::to_string(workers), 0.05, false);
        p.bench->fn(h, workers);
        return 0;
    }
#endif
    return p.seed();
}

struct collected {
    std::mutex m;
    std::vector<weir::trace::log> logs;
    std::vector<weir::runtime_metrics> metrics;
};

double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

void print_summary(const weir::trace::log& l, const weir::runtime_metrics& m) {
    std::printf("\n%-7s %10s %8s %10s %10s %7s %9s %10s\n", "worker", "polls", "steals",
                "steal ops", "overflows", "parks", "spawned", "busy ms");
    for (std::size_t i = 0; i < m.per_worker.size(); ++i) {
        const auto& w = m.per_worker[i];
        std::printf(
            "%-7zu %10llu %8llu %10llu %10llu %7llu %9llu %10.3f\n", i,
            static_cast<unsigned long long>(w.polls), static_cast<unsigned long long>(w.steals),
            static_cast<unsigned long long>(w.steal_operations),
            static_cast<unsigned long long>(w.overflows), static_cast<unsigned long long>(w.parks),
            static_cast<unsigned long long>(w.spawned), static_cast<double>(w.busy.count()) / 1e6);
    }
    std::printf(
        "runtime: %llu live tasks, %llu in the global queue, %llu spawned from outside, %llu lost "
        "wakers\n",
        static_cast<unsigned long long>(m.live_tasks),
        static_cast<unsigned long long>(m.global_queue_depth),
        static_cast<unsigned long long>(m.remote_spawned),
        static_cast<unsigned long long>(m.lost_wakers));

    auto tasks = weir::trace::summarize(l);
    std::sort(tasks.begin(), tasks.end(),
              [](const auto& a, const auto& b) { return a.busy_ns > b.busy_ns; });
    std::size_t shown = std::min<std::size_t>(tasks.size(), 10);
    std::printf("\nbusiest tasks (%zu of %zu):\n%-8s %-24s %-28s %7s %9s %12s %9s %6s\n", shown,
                tasks.size(), "task", "name", "spawned at", "polls", "busy ms", "scheduled ms",
                "idle ms", "self%");
    for (std::size_t i = 0; i < shown; ++i) {
        const auto& t = tasks[i];
        std::string loc = t.location ? l.names[t.location] : "";
        if (auto slash = loc.rfind('/'); slash != std::string::npos) loc = loc.substr(slash + 1);
        std::printf("%-8llu %-24.24s %-28.28s %7llu %9.3f %12.3f %9.3f %5.0f%%\n",
                    static_cast<unsigned long long>(t.task), t.name ? l.names[t.name].c_str() : "-",
                    loc.empty() ? "-" : loc.c_str(), static_cast<unsigned long long>(t.polls),
                    ms(t.busy_ns), ms(t.scheduled_ns), ms(t.idle_ns), t.self_wake_ratio() * 100);
    }
    auto ws = weir::trace::warnings(l);
    if (ws.empty()) return;
    std::printf("\nwarnings (%zu):\n", ws.size());
    std::size_t shown_w = std::min<std::size_t>(ws.size(), 10);
    for (std::size_t i = 0; i < shown_w; ++i) std::printf("  %s\n", ws[i].message.c_str());
    if (ws.size() > shown_w) std::printf("  ... and %zu more\n", ws.size() - shown_w);
}

int trace_command(int argc, char** argv) {
    std::string out = "trace.json";
    std::size_t workers = 2;
    std::string name;
    for (int i = 0; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(a + " needs a value");
            return argv[++i];
        };
        if (a == "--out") {
            out = value();
        } else if (a == "--workers") {
            std::string v = value();
            char* end = nullptr;
            long n = std::strtol(v.c_str(), &end, 10);
            if (*end || n < 1 || n > 4096)
                usage("--workers wants a number from 1 to 4096, not " + v);
            workers = static_cast<std::size_t>(n);
        } else if (!a.empty() && a[0] == '-') {
            usage("unknown option " + a);
        } else if (name.empty()) {
            name = a;
        } else {
            usage("one program at a time (got " + name + " and " + a + ")");
        }
    }
    if (name.empty()) usage("trace needs a PROGRAM (see weir list)");
    auto all = programs();
    auto it =
        std::find_if(all.begin(), all.end(), [&](const program& p) { return p.name == name; });
    if (it == all.end()) usage("unknown program '" + name + "' (see weir list)");
    {  // fail before running if the output cannot be written
        std::ofstream probe(out, std::ios::app);
        if (!probe) usage("cannot write " + out);
    }

    collected c;
    std::atomic<std::uint64_t> events{0};
    weir::trace::session s;
    s.workers = workers;
    s.collect = [&c](weir::trace::log&& l, const weir::runtime_metrics& m) {
        std::lock_guard<std::mutex> g(c.m);
        c.logs.push_back(std::move(l));
        c.metrics.push_back(m);
    };
    s.progress = [&events](std::uint64_t n) { events.store(n, std::memory_order_relaxed); };
    weir::trace::install_session(std::move(s));

    // The progress line: only on a terminal, only once the run has lasted a second.
    bool tty = WEIR_ISATTY(2) != 0;
    std::mutex pm;
    std::condition_variable pcv;
    bool done = false;
    auto t0 = std::chrono::steady_clock::now();
    std::thread progress;
    if (tty) {
        progress = std::thread([&] {
            static const char spin[] = "|/-\\";
            unsigned k = 0;
            bool shown = false;
            std::unique_lock<std::mutex> lk(pm);
            while (!pcv.wait_for(lk, std::chrono::milliseconds(100), [&] { return done; })) {
                double secs =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                if (secs < 1.0) continue;
                std::fprintf(stderr, "\r%c tracing %s: %.1f s, %llu words", spin[k++ % 4],
                             name.c_str(), secs, static_cast<unsigned long long>(events.load()));
                shown = true;
            }
            if (shown) std::fprintf(stderr, "\r\033[K");
        });
    }
    int status = 0;
    try {
        status = run(*it, workers);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "weir: %s failed: %s\n", name.c_str(), e.what());
        status = 1;
    } catch (const weir::operation_cancelled& e) {  // not a std::exception (weir/errors.hpp)
        std::fprintf(stderr, "weir: %s failed: %s\n", name.c_str(), e.what());
        status = 1;
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    {
        std::lock_guard<std::mutex> g(pm);
        done = true;
    }
    pcv.notify_all();
    if (progress.joinable()) progress.join();
    weir::trace::remove_session();

    std::lock_guard<std::mutex> g(c.m);
    if (c.logs.empty()) {
        std::fprintf(stderr, "weir: %s made no runtime: nothing to trace\n", name.c_str());
        return status ? status : 1;
    }
    // The runtime with the most events is the one written (programs here make one).
    std::size_t best = 0;
    for (std::size_t i = 1; i < c.logs.size(); ++i)
        if (c.logs[i].events.size() > c.logs[best].events.size()) best = i;
    const weir::trace::log& l = c.logs[best];
    std::ofstream f(out, std::ios::trunc);
    f << weir::trace::to_chrome_json(l);
    f.close();
    if (!f) {
        std::fprintf(stderr, "weir: writing %s failed\n", out.c_str());
        return 1;
    }
    std::printf("\nweir trace: %s, %zu workers, %.3f s, %zu events (%llu dropped) -> %s\n",
                name.c_str(), c.metrics[best].workers, secs, l.events.size(),
                static_cast<unsigned long long>(l.dropped), out.c_str());
    if (c.logs.size() > 1)
        std::printf("(%zu runtimes were traced; the file holds the busiest one)\n", c.logs.size());
    print_summary(l, c.metrics[best]);
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) usage("a command is needed");
    std::string cmd = argv[1];
    if (cmd == "list") {
        for (const program& p : programs())
            std::printf("%-30s %s\n", p.name.c_str(), p.about.c_str());
        return 0;
    }
    if (cmd == "trace") return trace_command(argc - 2, argv + 2);
    if (cmd == "help" || cmd == "--help" || cmd == "-h") {
        std::printf(
            "weir list                                      the built-in programs\n"
            "weir trace [--out FILE] [--workers N] PROGRAM  run one with tracing on, write the\n"
            "                                               trace (default trace.json) and print\n"
            "                                               a summary\n");
        return 0;
    }
    usage("unknown command '" + cmd + "'");
}

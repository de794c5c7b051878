// The measuring harness of weir-bench, to the rules of ../shared/peers/README.md ("Common harness
// rules"): warm-up iterations untimed, then S timed ones (S times --scale, at least 1), each timed
// on the driver thread (wall clock, monotonic) around the whole iteration; the median is printed
// as `system benchmark median_ns`, derived metrics as `system benchmark.metric value`, and the
// sample count, min and max go to stderr. A failed result check throws check_failed, which makes
// the program exit non-zero.
// An engine warm-up (--engine-warmup-ms, for the WebAssembly builds under Node only) runs
// iterations untimed for that long after the warm-up ones: V8 runs wasm code as its baseline
// compiler made it until a function has run enough to be optimized, which a benchmark of a few
// short iterations never reaches (native code needs none; docs/performance.md).
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace weir_bench {

struct check_failed : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class harness {
public:
    /// How a benchmark is traced (docs/observability.md, "What tracing costs"): not at all;
    /// paired (--trace: every sample is run twice in the same process, tracing off and on, in
    /// alternating order, into rings that hold the whole benchmark and are taken at its end: the
    /// cost of recording, with the machine's drift cancelled out); or live (--trace-live: on
    /// throughout, a thread taking the trace every millisecond, competing for the same cores).
    enum class tracing { off, paired, live };

    harness(std::string system, double scale, bool corrupt, tracing trace = tracing::off,
            double engine_warmup_ms = 0)
        : system_(std::move(system)),
          scale_(scale),
          corrupt_(corrupt),
          trace_(trace),
          engine_warmup_ms_(engine_warmup_ms) {}

    tracing trace() const noexcept { return trace_; }
    /// For --trace: how the benchmark turns its runtime's tracing on and off (empty: it cannot).
    void tracing_switch(std::function<void(bool)> f) const { switch_ = std::move(f); }

    /// Runs f `warmup` times untimed, then the timed samples. f returns an optional extra
    /// metric per iteration; the medians of the times and of the extras are returned.
    template <class F>
    std::pair<double, std::optional<double>> run(const char* name, int warmup, int samples,
                                                 F&& f) const {
        int n = std::max(1, static_cast<int>(std::lround(samples * scale_)));
        for (int i = 0; i < warmup; ++i) (void)f();
        if (engine_warmup_ms_ > 0) {
            auto until = std::chrono::steady_clock::now() +
                         std::chrono::duration<double, std::milli>(engine_warmup_ms_);
            while (std::chrono::steady_clock::now() < until) (void)f();
        }
        std::vector<double> times, traced_times, extras;
        times.reserve(static_cast<std::size_t>(n));
        auto timed = [&](std::vector<double>& into) {
            auto t0 = std::chrono::steady_clock::now();
            std::optional<double> e = f();
            auto dt = std::chrono::steady_clock::now() - t0;
            into.push_back(static_cast<double>(
                std::chrono::duration_cast<std::chrono::nanoseconds>(dt).count()));
            if (e) extras.push_back(*e);
        };
        bool paired = trace_ == tracing::paired && switch_;
        for (int i = 0; i < n; ++i) {
            if (!paired) {
                timed(times);
                continue;
            }
            for (int pass = 0; pass < 2; ++pass) {
                bool on = (pass == 0) == (i % 2 == 0);  // on first in even samples
                switch_(on);
                timed(on ? traced_times : times);
                switch_(false);
            }
        }
        double med = median(times);
        std::printf("%s %s %.0f\n", system_.c_str(), name, med);
        if (paired) {
            double on = median(traced_times);
            std::printf("%s %s.traced %.0f\n%s %s.trace_overhead_pct %.1f\n", system_.c_str(), name,
                        on, system_.c_str(), name, (on / med - 1.0) * 100.0);
        }
        std::fflush(stdout);
        std::fprintf(stderr, "#  %s %s n=%zu min=%.0f max=%.0f\n", system_.c_str(), name,
                     times.size(), times.front(), times.back());
        std::optional<double> extra;
        if (!extras.empty()) extra = median(extras);
        return {med, extra};
    }

    void derived(const char* name, double value) const {
        std::printf("%s %s %.1f\n", system_.c_str(), name, value);
        std::fflush(stdout);
    }

    /// Checks a benchmark's result. With --corrupt-results every checked value is taken as one
    /// more than it is, so that the checks can be shown to work (tests/bench).
    template <class T>
    void check(const char* bench, const char* what, T got, T want) const {
        if (corrupt_) got = static_cast<T>(got + 1);
        if (got != want)
            throw check_failed(std::string(bench) + ": result check failed: " + what + " is " +
                               std::to_string(got) + ", expected " + std::to_string(want));
    }

private:
    static double median(std::vector<double>& v) {
        std::sort(v.begin(), v.end());
        std::size_t n = v.size();
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
    }

    std::string system_;
    double scale_;
    bool corrupt_;
    tracing trace_;
    double engine_warmup_ms_;
    mutable std::function<void(bool)> switch_;
};

}  // namespace weir_bench

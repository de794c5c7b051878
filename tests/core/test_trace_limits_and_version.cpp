// trace::warning_limits and weir::version: public names that need no I/O and no second thread,
// tested in every build, the WebAssembly event-loop one included (scripts/lib/
// event_loop_name_coverage.py checks that every public name keeps a test that runs there).
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>
#include <weir/trace.hpp>
#include <weir/version.hpp>
#include <weir/weir.hpp>

#include "helpers.hpp"

TEST_CASE("trace_warning_limits_default_to_half_of_ten_wakes_and_custom_limits_change_warnings",
          "[trace]") {
    weir::trace::warning_limits defaults;
    CHECK(defaults.self_wake_ratio == 0.5);
    CHECK(defaults.min_wakes == 10);

    // A log made by hand: task 1 ("spinner") wakes itself 6 times and is woken 4 times (60% of
    // 10 wake-ups); task 2 ("sleeper") 3 and 1 (75% of 4).
    weir::trace::log l;
    l.names = {"", "spinner", "sleeper"};
    l.workers = 1;
    std::uint64_t ts = 0;
    auto add = [&](std::uint64_t task, weir::trace::kind k, std::uint64_t a = 0,
                   std::uint32_t name = 0) {
        weir::trace::event e;
        e.ts_ns = ts += 100;
        e.task = task;
        e.k = k;
        e.a = a;
        e.name = name;
        e.worker = 0;
        l.events.push_back(e);
    };
    auto run = [&](std::uint64_t task, std::uint64_t self_wake) {
        add(task, weir::trace::kind::poll_begin, self_wake);
        add(task, weir::trace::kind::poll_end);
    };
    auto task_with = [&](std::uint64_t task, std::uint32_t name, int self_wakes, int wakes) {
        add(task, weir::trace::kind::spawn, 0, name);
        run(task, 0);
        for (int i = 0; i < self_wakes; ++i) run(task, 1);
        for (int i = 0; i < wakes; ++i) {
            add(task, weir::trace::kind::wake);
            run(task, 0);
        }
        add(task, weir::trace::kind::finish);
    };
    task_with(1, 1, 6, 4);
    task_with(2, 2, 3, 1);
    auto sums = weir::trace::summarize(l);
    REQUIRE(sums.size() == 2);
    CHECK(sums[0].self_wakes == 6);
    CHECK(sums[0].wakes == 4);
    CHECK(sums[1].self_wakes == 3);
    CHECK(sums[1].wakes == 1);

    // The tasks flagged under lim; every warning here is of self-wakes (else task 0, which is
    // no task of this log, stands in for it and the comparison fails).
    auto flagged = [&](const weir::trace::warning_limits& lim) {
        std::vector<std::uint64_t> tasks;
        for (const auto& w : weir::trace::warnings(l, lim))
            tasks.push_back(w.what == weir::trace::task_warning::kind::self_wakes ? w.task : 0);
        return tasks;
    };
    using ids = std::vector<std::uint64_t>;
    // The defaults: 10 wake-ups are enough to be judged, and 60% is more than half.
    auto ws = weir::trace::warnings(l);
    REQUIRE(ws.size() == 1);
    CHECK(ws[0].task == 1);
    CHECK(ws[0].message ==
          "task 1 \"spinner\" woke itself for 60% of its 10 wake-ups (yields or a spent "
          "budget): it may be busy-polling");
    CHECK(flagged(defaults) == ids{1});
    // The ratio must be exceeded, not reached.
    CHECK(flagged(weir::trace::warning_limits{.self_wake_ratio = 0.6}) == ids{});
    // Too few wake-ups to be judged.
    CHECK(flagged(weir::trace::warning_limits{.min_wakes = 11}) == ids{});
    // Lower limits judge the sleeper too.
    weir::trace::warning_limits lenient{.self_wake_ratio = 0.5, .min_wakes = 4};
    CHECK(flagged(lenient) == ids{1, 2});
    auto ws2 = weir::trace::warnings(l, lenient);
    REQUIRE(ws2.size() == 2);
    CHECK(ws2[1].message.find("task 2 \"sleeper\" woke itself for 75% of its 4 wake-ups") == 0);
    CHECK(flagged(weir::trace::warning_limits{.self_wake_ratio = 0.7, .min_wakes = 4}) == ids{2});
}

TEST_CASE("version_is_the_major_minor_patch_of_the_version_macros", "[runtime]") {
    constexpr std::string_view v = weir::version;  // usable at compile time
    CHECK(std::count(v.begin(), v.end(), '.') == 2);
    CHECK(std::string(weir::version) == std::to_string(WEIR_VERSION_MAJOR) + "." +
                                            std::to_string(WEIR_VERSION_MINOR) + "." +
                                            std::to_string(WEIR_VERSION_PATCH));
}

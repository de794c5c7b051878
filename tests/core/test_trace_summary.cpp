// weir::trace::summarize and weir::trace::warnings: per-task summaries of a log (wakes, self
// wakes) and the warnings drawn from them, here a task that mostly wakes itself.
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <weir/weir.hpp>

#include "helpers.hpp"

using weir_test::workers;

TEST_CASE("trace_poll_begin_marks_self_wakes_and_warnings_flag_a_task_that_mostly_wakes_itself",
          "[trace]") {
    weir::runtime rt(workers(1));
    rt.start_tracing();
    weir::notify n;
    rt.block_on(weir_test::on_worker([](weir::notify& n) -> weir::task<void> {
        auto yielder = weir::spawn_named("yielder", []() -> weir::task<void> {
            for (int i = 0; i < 20; ++i) co_await weir::yield_now();
        }());
        auto waiter = weir::spawn_named("waiter", [](weir::notify& n) -> weir::task<void> {
            for (int i = 0; i < 12; ++i) co_await n.notified();
        }(n));
        for (int i = 0; i < 12; ++i) {
            co_await weir::yield_now();
            n.notify_one();
        }
        co_await yielder;
        co_await waiter;
    }(n)));
    rt.stop_tracing();
    auto l = rt.take_trace();
    auto sums = weir::trace::summarize(l);
    const weir::trace::task_summary* y = nullptr;
    const weir::trace::task_summary* w = nullptr;
    for (const auto& s : sums) {
        if (l.names[s.name] == "yielder") y = &s;
        if (l.names[s.name] == "waiter") w = &s;
    }
    REQUIRE(y);
    REQUIRE(w);
    CHECK(y->self_wakes == 20);  // every yield, and nothing else woke it
    CHECK(y->wakes == 0);        // its first scheduling, at the spawn, is no wake-up
    CHECK(y->self_wake_ratio() == 1.0);
    CHECK(w->self_wakes == 0);
    CHECK(w->wakes >= 1);  // notifications that found it waiting (a stored permit wakes nobody)
    std::map<std::uint64_t, weir::trace::task_warning> ws;  // the spawning task yields too
    for (auto& x : weir::trace::warnings(l)) ws[x.task] = x;
    REQUIRE(ws.count(y->task) == 1);
    CHECK(ws[y->task].what == weir::trace::task_warning::kind::self_wakes);
    CHECK(ws[y->task].message.find("\"yielder\"") != std::string::npos);
    CHECK(ws[y->task].message.find("100%") != std::string::npos);
    CHECK(ws.count(w->task) == 0);
}

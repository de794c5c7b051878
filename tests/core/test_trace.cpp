// weir::trace: each event kind, produced by a scenario built to cause it. How events are
// recorded and taken is tested in test_trace_recording.cpp, what a log is turned into in
// test_trace_export.cpp (Chrome JSON) and test_trace_summary.cpp, sessions in
// test_trace_session.cpp.
#include <algorithm>
#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"
#include "trace_helpers.hpp"

using weir_test::take_settled;
using weir_test::workers;
using namespace std::chrono_literals;
using weir::trace::kind;

namespace {

std::vector<weir::trace::event> of_kind(const weir::trace::log& l, kind k) {
    std::vector<weir::trace::event> out;
    for (const auto& e : l.events)
        if (e.k == k) out.push_back(e);
    return out;
}
bool has(const weir::trace::log& l, kind k, std::uint64_t task) {
    for (const auto& e : l.events)
        if (e.k == k && e.task == task) return true;
    return false;
}

}  // namespace

TEST_CASE("trace_spawn_records_name_parent_and_spawn_location", "[trace]") {
    weir::runtime rt(workers(1));
    rt.start_tracing();
    std::uint64_t parent = 0, child = 0;
    rt.block_on(
        weir_test::on_worker([](std::uint64_t& parent, std::uint64_t& child) -> weir::task<void> {
            auto h = weir::spawn_named("the child", []() -> weir::task<void> { co_return; }());
            child = h.id();
            co_await h;
            co_return;
        }(parent, child)));
    auto l = rt.take_trace();
    auto spawns = of_kind(l, kind::spawn);
    auto it = std::find_if(spawns.begin(), spawns.end(), [&](auto& e) { return e.task == child; });
    REQUIRE(it != spawns.end());
    CHECK(l.names.at(it->name) == "the child");
    CHECK(l.names.at(it->location).find("test_trace.cpp:") != std::string::npos);
    // Its parent is the task that spawned it, whose own parent is block_on's task: recorded as
    // a spawn named "block_on" with no parent.
    auto p = std::find_if(spawns.begin(), spawns.end(), [&](auto& e) { return e.task == it->a; });
    REQUIRE(p != spawns.end());
    auto root = std::find_if(spawns.begin(), spawns.end(), [&](auto& e) { return e.task == p->a; });
    REQUIRE(root != spawns.end());
    CHECK(l.names.at(root->name) == "block_on");
    CHECK(root->a == 0);
    CHECK(l.workers == 1);
    CHECK(l.dropped == 0);
    // A spawn from a thread outside any task has no parent.
    auto h = rt.spawn([]() -> weir::task<void> { co_return; }());
    std::uint64_t remote = h.id();
    rt.block_on(std::move(h));
    auto l2 = rt.take_trace();
    auto s2 = of_kind(l2, kind::spawn);
    auto r = std::find_if(s2.begin(), s2.end(), [&](auto& e) { return e.task == remote; });
    REQUIRE(r != s2.end());
    CHECK(r->a == 0);
}

TEST_CASE("trace_poll_begin_and_end_pair_up_on_the_worker_that_ran_the_task", "[trace]") {
    weir::runtime rt(workers(1));
    rt.start_tracing();
    auto h = rt.spawn([]() -> weir::task<void> {
        co_await weir::yield_now();  // two runs
    }());
    rt.block_on(std::move(h));
    auto l = take_settled(rt);
    std::uint64_t id = 0;
    for (const auto& e : of_kind(l, kind::finish)) id = e.task;
    REQUIRE(id != 0);
    int depth = 0, runs = 0;
    for (const auto& e : l.events) {
        if (e.task != id) continue;
        if (e.k == kind::poll_begin) {
            CHECK(e.worker == 0);
            CHECK(depth == 0);
            ++depth;
            ++runs;
        } else if (e.k == kind::poll_end) {
            CHECK(depth == 1);
            --depth;
            CHECK(e.a == (runs == 2 ? 1u : 0u));  // the second run completes the task
        }
    }
    CHECK(depth == 0);
    CHECK(runs == 2);
    CHECK(has(l, kind::finish, id));
}

TEST_CASE("trace_wake_names_the_waking_worker_or_an_outside_thread", "[trace][threads]") {
    weir::runtime rt(workers(1));
    rt.start_tracing();
    std::uint64_t waiter_id = 0;
    rt.block_on(weir_test::on_worker([](std::uint64_t& waiter_id) -> weir::task<void> {
        weir::notify n;
        std::atomic<bool> started{false};
        auto waiter =
            weir::spawn([](weir::notify& n, std::atomic<bool>& started) -> weir::task<void> {
                started = true;
                co_await n.notified();  // in the same run: waiting once `started` is seen
            }(n, started));
        waiter_id = waiter.id();
        // One worker: when this task runs again after seeing `started`, the waiter's first run
        // (which ends waiting) is over. No fixed sleep, so a slow host cannot break it.
        while (!started.load()) co_await weir::sleep(1ms);
        n.notify_one();  // woken by worker 0
        co_await waiter;
    }(waiter_id)));
    auto l = rt.take_trace();
    auto wakes = of_kind(l, kind::wake);
    bool by_worker = std::any_of(wakes.begin(), wakes.end(), [&](auto& e) {
        return e.task == waiter_id && e.a == 1 && e.b == 0;
    });
    CHECK(by_worker);
    // A notify from the main thread wakes its task from outside the workers; the spawn's own
    // scheduling is no wake-up (the export draws its arrow from the spawn).
    weir::notify n2;
    auto h = rt.spawn([](weir::notify& n) -> weir::task<void> { co_await n.notified(); }(n2));
    std::uint64_t remote = h.id();
    while (rt.dump_tasks().find("waiting on a notify") == std::string::npos)
        std::this_thread::sleep_for(1ms);
    n2.notify_one();
    rt.block_on(std::move(h));
    auto l2 = rt.take_trace();
    std::vector<weir::trace::event> w2;
    for (const auto& e : of_kind(l2, kind::wake))
        if (e.task == remote) w2.push_back(e);
    REQUIRE(w2.size() == 1);
    CHECK(w2[0].a == 0);
    CHECK(w2[0].worker == -1);
}

TEST_CASE("trace_steal_records_victim_thief_and_count", "[trace][threads]") {
    weir::runtime rt(workers(2));
    rt.start_tracing();
    // One worker spawns busy tasks into its own queue; the other, idle, must steal to help.
    rt.block_on(weir_test::on_worker(weir_test::spawn_busy_tasks(64, 200us)));
    auto l = rt.take_trace();
    auto steals = of_kind(l, kind::steal);
    REQUIRE_FALSE(steals.empty());
    for (const auto& s : steals) {
        CHECK(s.worker >= 0);
        CHECK(s.a != static_cast<std::uint64_t>(s.worker));  // from another worker
        CHECK(s.b >= 1);
        CHECK(s.task != 0);
    }
}

TEST_CASE("trace_park_and_unpark_alternate_per_worker", "[trace]") {
    weir::runtime rt(workers(1));
    rt.start_tracing();
    rt.block_on(weir_test::on_worker([]() -> weir::task<void> {
        co_await weir::sleep(5ms);  // the worker has nothing to do: it parks
    }()));
    std::this_thread::sleep_for(5ms);
    auto l = rt.take_trace();
    REQUIRE_FALSE(of_kind(l, kind::park).empty());
    REQUIRE_FALSE(of_kind(l, kind::unpark).empty());
    int parked = 0;
    bool seen_park = false;  // tracing may start while the worker sleeps: begin at a park
    for (const auto& e : l.events) {
        if (e.worker != 0) continue;
        if (e.k == kind::park) seen_park = true;
        if (!seen_park) continue;
        if (e.k == kind::park) CHECK(parked++ == 0);
        if (e.k == kind::unpark) CHECK(--parked == 0);
        if (e.k == kind::poll_begin) CHECK(parked == 0);
    }
}

TEST_CASE("trace_timer_fired_names_the_sleeping_task", "[trace]") {
    weir::runtime rt(workers(1));
    rt.start_tracing();
    auto h = rt.spawn([]() -> weir::task<void> { co_await weir::sleep(1ms); }());
    std::uint64_t id = h.id();
    rt.block_on(std::move(h));
    auto l = rt.take_trace();
    CHECK(has(l, kind::timer_fired, id));
}

TEST_CASE("trace_io_completed_carries_the_result", "[trace][io]") {
    weir::runtime rt(workers(1));
    if (!weir_test::have_io(rt)) return;  // no I/O backend here (WebAssembly)
    rt.start_tracing();
    auto h = rt.spawn([]() -> weir::task<void> {
        using weir::net::socket_address;
        auto a = weir::net::udp_socket::bind(socket_address::parse("127.0.0.1:0"));
        auto b = weir::net::udp_socket::bind(socket_address::parse("127.0.0.1:0"));
        std::array<std::byte, 16> buf{};
        auto got = b.recv_from(buf);  // pending first, so its completion goes through the driver
        auto recv = weir::spawn(std::move(got));
        co_await weir::sleep(2ms);
        co_await a.send_to(weir_test::bytes_of("hello"), b.local_address());
        co_await recv;
    }());
    rt.block_on(std::move(h));
    auto l = rt.take_trace();
    auto io = of_kind(l, kind::io_completed);
    bool five = std::any_of(io.begin(), io.end(), [&](auto& e) {
        return e.task != 0 && static_cast<std::int64_t>(e.a) == 5;  // the 5 bytes received
    });
    CHECK(five);
}

TEST_CASE("trace_stage_events_count_items_in_and_out_and_the_tasks_in_flight", "[trace][stream]") {
    weir::runtime rt(workers(1));
    rt.start_tracing();
    auto v = rt.block_on(weir_test::on_worker([]() -> weir::task<std::vector<int>> {
        co_return co_await weir::stream::iter(0, 10)
            .stage("evens",
                   [](auto s) { return std::move(s).filter([](int x) { return x % 2 == 0; }); })
            .stage("work",
                   [](auto s) {
                       return std::move(s)
                           .map([](int x) -> weir::task<int> {
                               co_await weir::yield_now();
                               co_return x * 10;
                           })
                           .buffered(3);
                   })
            .collect();
    }()));
    rt.stop_tracing();
    REQUIRE(v == std::vector<int>{0, 20, 40, 60, 80});
    auto l = rt.take_trace();
    std::map<std::string, std::vector<std::uint64_t>> in, out, flight;
    for (const auto& e : l.events) {
        if (e.k == kind::stage_in) in[l.names[e.name]].push_back(e.b);
        if (e.k == kind::stage_out) out[l.names[e.name]].push_back(e.b);
        if (e.k == kind::stage_in_flight) flight[l.names[e.name]].push_back(e.b);
    }
    CHECK(in["evens"] == std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
    CHECK(out["evens"] == std::vector<std::uint64_t>{1, 2, 3, 4, 5});
    CHECK(in["work"] == std::vector<std::uint64_t>{1, 2, 3, 4, 5});
    CHECK(out["work"] == std::vector<std::uint64_t>{1, 2, 3, 4, 5});
    REQUIRE(flight.count("work") == 1);  // named after the stage it is in
    const auto& f = flight["work"];
    CHECK(*std::max_element(f.begin(), f.end()) == 3);  // buffered(3): never more
    CHECK(f.back() == 0);
    CHECK(f.size() == 10);  // 5 starts and 5 hand-outs
}

TEST_CASE("trace_channel_depth_follows_sends_and_receives", "[trace]") {
    weir::runtime rt(workers(1));
    rt.start_tracing();
    rt.block_on(weir_test::on_worker([]() -> weir::task<void> {
        auto [tx, rx] = weir::mpsc::channel<int>(4, "jobs");
        for (int i = 0; i < 3; ++i) co_await tx.send(i);
        for (int i = 0; i < 3; ++i) (void)co_await rx.recv();
    }()));
    rt.stop_tracing();
    auto l = rt.take_trace();
    std::vector<std::uint64_t> depth;
    for (const auto& e : of_kind(l, kind::channel_depth)) {
        CHECK(l.names[e.name] == "jobs");
        depth.push_back(e.b);
    }
    CHECK(depth == std::vector<std::uint64_t>{1, 2, 3, 2, 1, 0, 0});  // the last: rx dropped
}

// weir::trace: each event kind, produced by a scenario built to cause it; the Chrome JSON export
// checked against the trace-event rules; rings that fill up; tracing off records nothing.
#include <algorithm>
#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"
#include "json_reader.hpp"

using weir_test::spin_for;
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

// A worker's poll ends in the trace where the worker records what it does next (its park,
// its next poll), which may come after block_on has returned: takes (while tracing is on)
// until every poll begun in the log has ended, or 10 s have passed.
weir::trace::log take_settled(weir::runtime& rt) {
    weir::trace::log l = rt.take_trace();
    auto open_polls = [&] {
        std::map<std::int32_t, int> depth;
        for (const auto& e : l.events) {
            if (e.k == kind::poll_begin) ++depth[e.worker];
            if (e.k == kind::poll_end) --depth[e.worker];
        }
        for (const auto& [w, d] : depth)
            if (d > 0) return true;
        return false;
    };
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (open_polls() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(1ms);
        weir::trace::append(l, rt.take_trace());
    }
    return l;
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

TEST_CASE("trace_a_full_ring_drops_new_events_and_counts_them", "[trace]") {
    weir::runtime rt(workers(1));
    rt.start_tracing(1024);  // the smallest ring
    rt.block_on(weir_test::on_worker([]() -> weir::task<void> {
        for (int i = 0; i < 5000; ++i) co_await weir::yield_now();  // more than the ring holds
    }()));
    rt.stop_tracing();  // else the unstamped polls at the end wait for the next take's stamp
    auto l = rt.take_trace();
    CHECK(l.dropped > 0);
    std::size_t on_worker = static_cast<std::size_t>(
        std::count_if(l.events.begin(), l.events.end(), [](auto& e) { return e.worker == 0; }));
    // The ring holds 1024 words (core/src/trace_ring.hpp): an unstamped poll, a wake-up or a
    // finish takes one, a stamped poll four, a spawn four or eight. Ends are derived.
    std::size_t recorded = 0, words = 0;
    for (const auto& e : l.events) {
        if (e.worker != 0 || e.k == kind::poll_end) continue;
        ++recorded;
        bool one_word =
            (e.k == kind::poll_begin && e.b == 0) || e.k == kind::wake || e.k == kind::finish;
        words += e.k == kind::spawn ? 8 : one_word ? 1 : 4;
    }
    CHECK(words <= 1023);  // one word is kept for the record of the gap
    CHECK(words >= 1024 - 5);
    CHECK(on_worker > recorded);
    // Taking empties the rings: recording goes on.
    rt.start_tracing();
    rt.block_on(weir_test::on_worker([]() -> weir::task<void> { co_return; }()));
    auto l2 = rt.take_trace();
    CHECK_FALSE(l2.events.empty());
    CHECK(l2.dropped == 0);
}

TEST_CASE("trace_off_records_nothing", "[trace]") {
    weir::runtime rt(workers(1));
    rt.block_on(weir_test::on_worker([]() -> weir::task<void> { co_await weir::yield_now(); }()));
    CHECK(rt.take_trace().events.empty());
    rt.start_tracing();
    rt.stop_tracing();
    rt.block_on(weir_test::on_worker([]() -> weir::task<void> { co_await weir::yield_now(); }()));
    CHECK(rt.take_trace().events.empty());
}

TEST_CASE("trace_chrome_json_follows_the_trace_event_format_rules", "[trace]") {
    weir::runtime rt(workers(2));
    rt.start_tracing();
    rt.block_on(weir_test::on_worker([]() -> weir::task<void> {
        weir::notify n;
        std::vector<weir::join_handle<void>> hs;
        for (int i = 0; i < 32; ++i)
            hs.push_back(weir::spawn_named("worker \"task\"\n", [](int i) -> weir::task<void> {
                spin_for(50us);
                co_await weir::sleep(std::chrono::milliseconds(i % 3));
                co_await weir::yield_now();
            }(i)));
        auto w = weir::spawn(n.notified());
        co_await weir::sleep(1ms);
        n.notify_one();
        for (auto& h : hs) co_await h;
        co_await w;
        // Counters of a named stage, its tasks in flight and a named channel.
        auto [tx, rx] = weir::mpsc::channel<int>(4, "jobs \"queue\"");
        co_await tx.send(1);
        (void)co_await rx.recv();
        (void)co_await weir::stream::iter(0, 8)
            .stage("st\"age",
                   [](auto s) {
                       return std::move(s)
                           .map([](int x) -> weir::task<int> {
                               co_await weir::yield_now();
                               co_return x;
                           })
                           .buffered(2);
                   })
            .collect();
    }()));
    auto l = rt.take_trace();
    std::string text = weir::trace::to_chrome_json(l);
    weir_test::json doc = weir_test::json_reader(text).parse();  // throws unless it is JSON
    const auto& evs = doc.at("traceEvents").arr;
    REQUIRE(evs.size() > 10);

    std::map<double, double> last_ts;                               // per tid
    std::map<double, std::vector<std::pair<double, double>>> open;  // per tid: [begin, end)
    std::map<double, std::pair<int, int>> flows;                    // id -> (s count, f count)
    std::map<std::string, int> phases;
    std::map<double, bool> named_thread;
    for (const auto& e : evs) {
        const std::string& ph = e.at("ph").str;
        ++phases[ph];
        REQUIRE(e.at("pid").t == weir_test::json::type::number);
        double tid = e.at("tid").num;
        if (ph == "M") {
            if (e.at("name").str == "thread_name") named_thread[tid] = true;
            continue;
        }
        double ts = e.at("ts").num;
        REQUIRE(e.at("name").t == weir_test::json::type::string);
        CHECK(ts >= last_ts[tid]);  // monotonic per track
        last_ts[tid] = ts;
        if (ph == "X") {
            double dur = e.at("dur").num;
            REQUIRE(dur >= 0);
            // Complete events on one track nest: a new one starts after the enclosing ones
            // that have ended, and ends within the one still open.
            auto& stack = open[tid];
            // (Timestamps are decimal microseconds: compare with a tolerance far below 1 ns.)
            while (!stack.empty() && stack.back().second <= ts + 1e-6) stack.pop_back();
            if (!stack.empty() && ts + dur > stack.back().second + 1e-6)
                FAIL_CHECK("slice " << e.at("name").str << " at " << ts << "+" << dur
                                    << " overlaps the end of the one open since "
                                    << stack.back().first << " on track " << tid);
            stack.push_back({ts, ts + dur});
        } else if (ph == "s" || ph == "f") {
            auto& c = flows[e.at("id").num];
            (ph == "s" ? c.first : c.second)++;
            if (ph == "f") CHECK(e.at("bp").str == "e");
        } else if (ph == "i") {
            CHECK(e.at("s").str == "t");
        } else if (ph == "C") {
            CHECK(e.at("args").t == weir_test::json::type::object);
        } else {
            FAIL("unexpected phase " << ph);
        }
    }
    for (const auto& [id, c] : flows) {
        CHECK(c.first == 1);  // every flow id starts once and finishes once
        CHECK(c.second == 1);
    }
    CHECK(phases["X"] > 0);
    CHECK(phases["s"] > 0);
    CHECK(phases["C"] > 0);
    CHECK(phases["i"] > 0);
    for (const auto& [tid, ts] : last_ts) CHECK(named_thread[tid]);   // every track has a name
    CHECK(text.find("worker \\\"task\\\"\\n") != std::string::npos);  // names are escaped
    CHECK(text.find("stage st\\\"age: items in") != std::string::npos);
    CHECK(text.find("stage st\\\"age: items out") != std::string::npos);
    CHECK(text.find("st\\\"age: tasks in flight") != std::string::npos);
    CHECK(text.find("channel jobs \\\"queue\\\": items queued") != std::string::npos);
}

TEST_CASE("trace_take_into_an_existing_log_replaces_its_contents", "[trace]") {
    weir::runtime rt(workers(1));
    rt.start_tracing();
    weir::trace::log l;
    rt.block_on(weir_test::on_worker([]() -> weir::task<void> { co_return; }()));
    rt.take_trace(l);
    std::size_t first = l.events.size();
    REQUIRE(first > 0);
    rt.take_trace(l);  // nothing new since: the log is emptied, not appended to
    CHECK(l.events.empty());
    CHECK(l.names.size() == 1);
    CHECK(l.workers == 1);
}

TEST_CASE("trace_session_collects_every_runtime_made_while_installed", "[trace][threads]") {
    std::vector<std::size_t> workers_seen, events_seen;
    weir::trace::session s;
    s.workers = 3;  // for runtimes that ask for the default
    s.collect = [&](weir::trace::log&& l, const weir::runtime_metrics& m) {
        workers_seen.push_back(m.workers);
        events_seen.push_back(l.events.size());
    };
    weir::trace::install_session(s);
    {
        weir::runtime a;  // default worker count: the session's 3
        a.block_on(weir_test::on_worker([]() -> weir::task<void> { co_return; }()));
        weir::runtime b(workers(1));
        b.block_on(weir_test::on_worker([]() -> weir::task<void> { co_return; }()));
    }
    weir::trace::remove_session();
    {
        weir::runtime c(workers(1));  // made after removal: not traced
        c.block_on(weir_test::on_worker([]() -> weir::task<void> { co_return; }()));
    }
    REQUIRE(workers_seen.size() == 2);
    CHECK(workers_seen[0] == 1);  // b ends first
    CHECK(workers_seen[1] == 3);
    CHECK(events_seen[0] > 0);
    CHECK(events_seen[1] > 0);
}

TEST_CASE("trace_session_collects_a_runtime_made_while_installed", "[trace]") {
    std::vector<std::size_t> events_seen;
    weir::trace::session s;
    s.collect = [&](weir::trace::log&& l, const weir::runtime_metrics&) {
        events_seen.push_back(l.events.size());
    };
    weir::trace::install_session(s);
    {
        weir::runtime a(workers(1));
        a.block_on(weir_test::on_worker([]() -> weir::task<void> { co_return; }()));
    }
    weir::trace::remove_session();
    REQUIRE(events_seen.size() == 1);
    CHECK(events_seen[0] > 0);
}

TEST_CASE("trace_append_maps_the_names_of_the_appended_log", "[trace]") {
    weir::trace::log a, b;
    a.names = {"", "x"};
    a.events.push_back(weir::trace::event{});
    a.events.back().name = 1;
    b.names = {"", "y", "x"};
    b.events.push_back(weir::trace::event{});
    b.events.back().name = 2;  // "x"
    b.events.push_back(weir::trace::event{});
    b.events.back().name = 1;  // "y"
    b.dropped = 4;
    weir::trace::append(a, std::move(b));
    REQUIRE(a.events.size() == 3);
    CHECK(a.names[a.events[1].name] == "x");
    CHECK(a.names[a.events[2].name] == "y");
    CHECK(a.names.size() == 3);
    CHECK(a.dropped == 4);
}

TEST_CASE("trace_short_polls_share_the_stamps_around_them_and_a_long_poll_stays_visible",
          "[trace]") {
    // Sparse stamping (core/src/tracer.hpp): of a run of short polls only every 16th reads the
    // clock; the others are spread between. A long poll in such a stretch shares its time with
    // at most the 16 polls of the stretch.
    weir::runtime rt(workers(1));
    rt.start_tracing();
    rt.block_on(weir_test::on_worker([]() -> weir::task<void> {
        for (int i = 0; i < 200; ++i) co_await weir::yield_now();
        weir_test::spin_for(std::chrono::milliseconds(32));
        for (int i = 0; i < 200; ++i) co_await weir::yield_now();
    }()));
    auto l = take_settled(rt);
    rt.stop_tracing();
    std::vector<std::uint64_t> polls;  // durations, in order
    std::uint64_t begin = 0, last = 0;
    for (const auto& e : l.events) {
        if (e.worker != 0) continue;
        CHECK(e.ts_ns >= last);  // interpolated times keep the ring's order
        last = e.ts_ns;
        if (e.k == kind::poll_begin) begin = e.ts_ns;
        if (e.k == kind::poll_end) polls.push_back(e.ts_ns - begin);
    }
    REQUIRE(polls.size() == 401);
    std::uint64_t total = 0, longest = 0;
    std::size_t over_1ms = 0;
    for (auto d : polls) {
        total += d;
        longest = std::max(longest, d);
        over_1ms += d > 1'000'000;
    }
    CHECK(total >= 32'000'000);
    CHECK(longest >= 32'000'000 / 16);
    CHECK(over_1ms >= 1);
    // The 32 ms spin shares its time with at most the 16 polls of its stretch. On a loaded
    // machine a yield's poll can itself be preempted for over 1 ms (a fresh-clone run of the
    // wasm suite counted 17 while other builds ran): a long poll of its own, in its own stretch,
    // so each may add up to 16 more. Twice the stretch leaves room for one such without letting
    // the long poll's time spread over the whole run (401 polls).
    CHECK(over_1ms <= 32);
}

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

TEST_CASE("trace_polls_held_back_by_one_take_get_their_times_in_the_next", "[trace][threads]") {
    // A take while a worker is inside a stretch of unstamped polls holds that stretch back
    // until a stamp bounds it. Here the stretch holds a 20 ms poll of `spinner`, taken during
    // it: its time must go to the polls of that stretch, not to the poll before them.
    weir::runtime rt(workers(1));
    rt.start_tracing();
    std::atomic<bool> spinning{false}, taken{false};
    // The spinner is spawned first: the yielder's polls after the spin bound the stretch
    // however late the yielder starts (spawned first with a fixed count, it could finish
    // before the spin on a loaded machine, and then only an unrecorded park followed it).
    auto s = rt.spawn_named(
        "spinner", [](std::atomic<bool>& spinning, std::atomic<bool>& taken) -> weir::task<void> {
            for (int i = 0; i < 500; ++i) co_await weir::yield_now();
            spinning = true;
            auto until = std::chrono::steady_clock::now() + 20ms;
            while (!taken.load() || std::chrono::steady_clock::now() < until) {
            }
        }(spinning, taken));
    auto y = rt.spawn_named("yielder", []() -> weir::task<void> {
        for (int i = 0; i < 3000; ++i) co_await weir::yield_now();
    }());
    while (!spinning.load()) std::this_thread::sleep_for(100us);
    weir::trace::log all = rt.take_trace();
    taken = true;
    rt.block_on(std::move(s));
    rt.block_on(std::move(y));
    rt.stop_tracing();
    weir::trace::append(all, rt.take_trace());
    std::uint64_t longest_yielder_poll = 0, spinner_busy = 0;
    for (const auto& t : weir::trace::summarize(all)) {
        if (all.names[t.name] == "spinner") spinner_busy = t.busy_ns;
    }
    std::uint64_t begin = 0, task = 0;
    for (const auto& e : all.events) {
        if (e.worker != 0) continue;
        if (e.k == kind::poll_begin) {
            begin = e.ts_ns;
            task = e.task;
        }
        if (e.k == kind::poll_end && task == y.id())
            longest_yielder_poll = std::max(longest_yielder_poll, e.ts_ns - begin);
    }
    CHECK(spinner_busy >= 20'000'000 / 16);  // shares the stretch's time, at worst
    CHECK(longest_yielder_poll < 10'000'000);
}

TEST_CASE("trace_started_during_a_poll_records_that_poll_and_its_spawns_parent",
          "[trace][threads]") {
    weir::runtime rt(workers(1));
    std::atomic<bool> go{false}, started{false};
    auto h = rt.spawn(
        [](std::atomic<bool>& go, std::atomic<bool>& started) -> weir::task<std::uint64_t> {
            started = true;
            while (!go.load()) {
            }  // one poll, running when tracing starts
            auto child = weir::spawn([]() -> weir::task<void> { co_return; }());
            std::uint64_t id = child.id();
            co_await child;
            co_return id;
        }(go, started));
    std::uint64_t parent = h.id();
    while (!started.load()) std::this_thread::sleep_for(100us);
    rt.start_tracing();
    go = true;
    std::uint64_t child = rt.block_on(std::move(h));
    rt.stop_tracing();
    auto l = rt.take_trace();
    bool parent_polled = false, spawn_seen = false;
    for (const auto& e : l.events) {
        if (e.k == kind::poll_begin && e.task == parent) parent_polled = true;
        if (e.k == kind::spawn && e.task == child) {
            spawn_seen = true;
            CHECK(parent_polled);  // the poll it happens in comes first
            CHECK(e.a == parent);
        }
    }
    CHECK(spawn_seen);
}

TEST_CASE("trace_collect_empties_the_rings_and_the_next_take_decodes_what_it_moved", "[trace]") {
    weir::runtime rt(workers(1));
    rt.start_tracing(1024);  // words: 1,400 polls do not fit (one word each, or four if slow)
    auto yields = [](int n) -> weir::task<void> {
        for (int i = 0; i < n; ++i) co_await weir::yield_now();
    };
    for (int round = 0; round < 7; ++round) {  // 200 polls fit, even at four words each
        rt.block_on(weir_test::on_worker(yields(200)));
        CHECK(rt.collect_trace() >= 200);
    }
    rt.stop_tracing();
    auto l = rt.take_trace();
    CHECK(l.dropped == 0);
    std::size_t polls = 0;
    for (const auto& e : l.events) polls += e.k == kind::poll_begin && e.worker == 0;
    CHECK(polls >= 1400);
    CHECK(rt.collect_trace() == 0);  // taken: nothing left
}

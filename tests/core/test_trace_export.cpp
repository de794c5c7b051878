// weir::trace::to_chrome_json: a log of every kind of slice, flow, instant and counter,
// exported and read back with a strict JSON reader (json_reader.hpp), checked against the
// trace-event format's rules (monotonic tracks, nested slices, paired flows, named tracks)
// and for the escaping of names.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"
#include "json_reader.hpp"

using weir_test::spin_for;
using weir_test::workers;
using namespace std::chrono_literals;

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

// weir::trace::session: installed, it traces every runtime made meanwhile and collects each
// one's log and metrics when the runtime ends; removed, it traces nothing more.
#include <catch2/catch.hpp>
#include <cstddef>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using weir_test::workers;

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

// join, join_all, try_join, select: values, exceptions, cancellation of losers and their cleanup.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using weir_test::workers;

using namespace std::chrono_literals;

namespace {

weir::task<int> after(std::chrono::milliseconds d, int v) {
    co_await weir::sleep(d);
    co_return v;
}
weir::task<int> fail_after(std::chrono::milliseconds d, const char* what) {
    co_await weir::sleep(d);
    throw std::runtime_error(what);
}
/// Sleeps long; records whether it was cancelled and whether its cleanup ran.
struct probe {
    bool cancelled = false;
    bool cleaned = false;
};
weir::task<int> long_sleeper(probe& p) {
    struct guard {
        probe& p;
        ~guard() { p.cleaned = true; }
    } g{p};
    try {
        co_await weir::sleep(30s);
    } catch (const weir::operation_cancelled&) {
        p.cancelled = true;
        throw;
    }
    co_return -1;
}
}  // namespace

TEST_CASE("join_gives_all_values_in_order", "[combinators]") {
    weir::runtime rt(workers(2));
    auto r = rt.block_on(weir::join(after(20ms, 1), after(5ms, 2), weir::sleep(1ms),
                                    []() -> weir::task<std::string> { co_return "s"; }()));
    REQUIRE(std::get<0>(r) == 1);
    REQUIRE(std::get<1>(r) == 2);
    STATIC_REQUIRE(std::is_same_v<std::tuple_element_t<2, decltype(r)>, std::monostate>);
    REQUIRE(std::get<3>(r) == "s");
}

namespace {
/// Three branches that meet: each waits until all three have arrived, which only branches that
/// run at once can do. The last to arrive lets the other two go (permits do not get lost).
struct meeting {
    std::atomic<int> arrived{0};
    weir::semaphore all_here{0};
};
weir::task<int> meet(meeting* m) {
    if (m->arrived.fetch_add(1) + 1 == 3) {
        m->all_here.release(2);
    } else {
        auto go = co_await m->all_here.acquire();
        go.forget();
    }
    co_return m->arrived.load();
}
}  // namespace

TEST_CASE("join_runs_branches_concurrently", "[combinators]") {
    // Counted, not timed (a bound on the elapsed time failed on loaded machines): run one
    // after another, the first branch would wait for ever, which the timeout makes a failure.
    weir::runtime rt(workers(1));
    meeting m;
    auto r = rt.block_on(weir::timeout(30s, weir::join(meet(&m), meet(&m), meet(&m))));
    CHECK(std::get<0>(r) == 3);
    CHECK(std::get<1>(r) == 3);
    CHECK(std::get<2>(r) == 3);
}

TEST_CASE("join_waits_for_all_then_rethrows_the_first_exception", "[combinators]") {
    weir::runtime rt(workers(1));
    bool slow_finished = false;
    auto slow = [](bool& f) -> weir::task<int> {
        co_await weir::sleep(20ms);
        f = true;
        co_return 1;
    };
    REQUIRE_THROWS_WITH(rt.block_on(weir::join(fail_after(1ms, "first"), slow(slow_finished),
                                               fail_after(5ms, "second"))),
                        "first");
    REQUIRE(slow_finished);  // join does not cancel on failure
}

TEST_CASE("join_all_over_tasks", "[combinators]") {
    weir::runtime rt(workers(2));
    auto v = rt.block_on([]() -> weir::task<std::vector<int>> {
        std::vector<weir::task<int>> ts;
        for (int i = 0; i < 100; ++i) ts.push_back(after(std::chrono::milliseconds(i % 5), i));
        co_return co_await weir::join_all(std::move(ts));
    }());
    REQUIRE(v.size() == 100);
    for (int i = 0; i < 100; ++i) REQUIRE(v[i] == i);
}

TEST_CASE("join_all_over_void_tasks_and_empty_input", "[combinators]") {
    weir::runtime rt(workers(1));
    int count = 0;
    rt.block_on([](int& count) -> weir::task<void> {
        std::vector<weir::task<void>> ts;
        for (int i = 0; i < 10; ++i)
            ts.push_back([](int& c) -> weir::task<void> {
                co_await weir::yield_now();
                ++c;
            }(count));
        co_await weir::join_all(std::move(ts));
        auto none = co_await weir::join_all(std::vector<weir::task<int>>{});
        REQUIRE(none.empty());
    }(count));
    REQUIRE(count == 10);
}

TEST_CASE("join_all_rethrows_after_all_finished", "[combinators]") {
    weir::runtime rt(workers(2));
    auto t = []() -> weir::task<int> {
        int finished = 0;
        std::vector<weir::task<int>> ts;
        ts.push_back(fail_after(1ms, "bad"));
        for (int i = 0; i < 5; ++i)
            ts.push_back([](int& f) -> weir::task<int> {
                co_await weir::sleep(10ms);
                ++f;
                co_return 0;
            }(finished));
        try {
            co_await weir::join_all(std::move(ts));
        } catch (const std::runtime_error&) {
            co_return finished;
        }
        co_return -1;
    };
    REQUIRE(rt.block_on(t()) == 5);
}

TEST_CASE("join_all_over_join_handles_rethrows_first_failure", "[combinators]") {
    weir::runtime rt(workers(2));
    auto t = []() -> weir::task<void> {
        std::vector<weir::join_handle<int>> hs;
        hs.push_back(weir::spawn(after(1ms, 1)));
        hs.push_back(weir::spawn(fail_after(2ms, "spawned")));
        hs.push_back(weir::spawn(after(3ms, 3)));
        co_await weir::join_all(std::move(hs));
    };
    REQUIRE_THROWS_WITH(rt.block_on(t()), "spawned");
    rt.block_on([]() -> weir::task<void> {
        std::vector<weir::join_handle<void>> hs;
        for (int i = 0; i < 3; ++i) hs.push_back(weir::spawn(weir::sleep(1ms)));
        co_await weir::join_all(std::move(hs));
    }());
}

TEST_CASE("try_join_gives_values_when_all_succeed", "[combinators]") {
    weir::runtime rt(workers(2));
    auto r = rt.block_on(weir::try_join(after(3ms, 1), after(1ms, 2), weir::sleep(2ms)));
    REQUIRE(std::get<0>(r) == 1);
    REQUIRE(std::get<1>(r) == 2);
}

TEST_CASE("try_join_cancels_the_others_and_waits_for_their_cleanup", "[combinators]") {
    weir::runtime rt(workers(2));
    probe a, b;
    auto start = weir::clock::now();
    REQUIRE_THROWS_WITH(
        rt.block_on(weir::try_join(long_sleeper(a), fail_after(5ms, "broken"), long_sleeper(b))),
        "broken");
    REQUIRE(a.cancelled);
    REQUIRE(a.cleaned);
    REQUIRE(b.cancelled);
    REQUIRE(b.cleaned);
    REQUIRE(weir::clock::now() - start < 5s);
}

TEST_CASE("select_first_to_finish_wins_and_losers_are_cleaned_up", "[combinators]") {
    weir::runtime rt(workers(2));
    probe p;
    auto r = rt.block_on(weir::select(long_sleeper(p), after(5ms, 42), weir::sleep(1s)));
    REQUIRE(r.index() == 1);
    REQUIRE(std::get<1>(r) == 42);
    REQUIRE(p.cancelled);
    REQUIRE(p.cleaned);
}

TEST_CASE("select_void_branch_gives_monostate", "[combinators]") {
    weir::runtime rt(workers(1));
    auto r = rt.block_on(weir::select(weir::sleep(1ms), after(1s, 1)));
    REQUIRE(r.index() == 0);
    STATIC_REQUIRE(std::is_same_v<std::variant_alternative_t<0, decltype(r)>, std::monostate>);
}

TEST_CASE("select_rethrows_when_the_winner_throws", "[combinators]") {
    weir::runtime rt(workers(1));
    probe p;
    REQUIRE_THROWS_WITH(rt.block_on(weir::select(long_sleeper(p), fail_after(2ms, "lost"))),
                        "lost");
    REQUIRE(p.cleaned);
}

TEST_CASE("select_ready_branch_wins_without_starting_later_ones", "[combinators]") {
    weir::runtime rt(workers(1));
    bool second_started = false;
    auto r = rt.block_on(weir::select([]() -> weir::task<int> { co_return 1; }(),
                                      [](bool& s) -> weir::task<int> {
                                          s = true;
                                          co_return 2;
                                      }(second_started)));
    REQUIRE(r.index() == 0);
    REQUIRE_FALSE(second_started);
}

TEST_CASE("select_on_cancellation_token_loop", "[combinators]") {
    // The seed's cancellation example: a loop of select(token.cancelled(), sleep(100ms)).
    // Counted, not timed (a cancel after a fixed 55 ms bounded the rounds of 10 ms both ways,
    // which a loaded machine can break): the parent cancels once the loop has gone round three
    // times, and the loop then ends within one more round.
    weir::runtime rt(workers(2));
    auto t = []() -> weir::task<std::pair<int, int>> {
        weir::cancellation_token parent;
        auto child = parent.child_token();
        std::atomic<int> rounds{0};
        auto h = weir::spawn(
            [](weir::cancellation_token tok, std::atomic<int>& rounds) -> weir::task<int> {
                int iterations = 0;
                for (;;) {
                    auto r = co_await weir::select(tok.cancelled(), weir::sleep(10ms));
                    if (r.index() == 0) break;
                    rounds.store(++iterations);
                }
                co_return iterations;
            }(child, rounds));
        for (int i = 0; i < 10'000 && rounds.load() < 3; ++i) co_await weir::sleep(1ms);
        parent.cancel();
        int at_cancel = rounds.load();
        int n = co_await h;
        co_return std::pair{n, at_cancel};
    };
    auto [n, at_cancel] = rt.block_on(t());
    REQUIRE(n >= 3);
    REQUIRE(n <= at_cancel + 1);  // a round under way may end with its sleep, then it stops
}

TEST_CASE("combinators_inside_cancelled_scope_stop_all_branches", "[combinators]") {
    weir::runtime rt(workers(2));
    auto t = []() -> weir::task<bool> {
        probe a, b;
        weir::cancellation_token tok;
        auto h =
            weir::spawn(weir::with_cancellation(tok, [](probe& a, probe& b) -> weir::task<void> {
                co_await weir::join(long_sleeper(a), long_sleeper(b));
            }(a, b)));
        co_await weir::sleep(5ms);
        tok.cancel();
        try {
            co_await h;
        } catch (const weir::operation_cancelled&) {
            co_return (a.cleaned && b.cleaned && a.cancelled && b.cancelled);
        }
        co_return false;
    };
    REQUIRE(rt.block_on(t()));
}

TEST_CASE("empty_task_arguments_are_rejected", "[combinators]") {
    weir::runtime rt(workers(1));
    REQUIRE_THROWS_AS(rt.block_on(weir::join(after(1ms, 1), weir::task<int>{})),
                      std::invalid_argument);
    REQUIRE_THROWS_AS(rt.block_on(weir::select(weir::task<int>{})), std::invalid_argument);
}

TEST_CASE("select_losing_recv_branch_loses_no_message", "[combinators][mpsc]") {
    // A recv that was handed a value just as another branch won must put the value back.
    weir::runtime rt(workers(2));
    auto t = []() -> weir::task<bool> {
        constexpr int n = 20'000;
        auto [tx, rx] = weir::mpsc::channel<int>(4);
        auto producer = weir::spawn([](weir::mpsc::sender<int> tx) -> weir::task<void> {
            for (int i = 0; i < n; ++i) {
                co_await tx.send(i);
                if (i % 64 == 0) co_await weir::sleep(std::chrono::milliseconds(1));
            }
        }(std::move(tx)));
        int expected = 0;
        bool in_order = true;
        for (;;) {
            auto r = co_await weir::select(rx.recv(), weir::sleep(std::chrono::milliseconds(1)));
            if (r.index() == 1) continue;
            auto v = std::get<0>(r);
            if (!v) break;
            if (*v != expected) in_order = false;
            ++expected;
        }
        co_await producer;
        co_return (in_order && expected == n);
    };
    REQUIRE(rt.block_on(t()));
}

TEST_CASE("select_losing_oneshot_branch_keeps_the_value", "[combinators][oneshot]") {
    weir::runtime rt(workers(1));
    auto t = []() -> weir::task<int> {
        auto [tx, rx] = weir::oneshot::channel<int>();
        tx.send(5);
        // The value is ready, but the first branch wins without the second starting; then the
        // receiver still has it.
        auto r = co_await weir::select(
            []() -> weir::task<int> { co_return 1; }(),
            [](weir::oneshot::receiver<int>& rx) -> weir::task<int> { co_return co_await rx; }(rx));
        co_return (std::get<0>(r) * 10 + co_await rx);
    };
    REQUIRE(rt.block_on(t()) == 15);
}

// Regression tests for bugs found in review of the stream stages: each scenario failed (hang,
// crash, starvation, lost item) before its fix.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <optional>
#include <ranges>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using namespace std::chrono_literals;
using weir_test::on_worker;
using weir_test::workers;
namespace ws = weir::stream;

namespace {
weir::task<void> no_op_task() { co_return; }

weir::task<void> spawn_buffered_forever() {
    auto v = co_await ws::iter(0, 4)
                 .map([](int x) -> weir::task<int> {
                     co_await weir::sleep(1h);
                     co_return x;
                 })
                 .spawn_buffered(2)
                 .collect();
    (void)v;
}
}  // namespace

TEST_CASE("stream_runtime_shutdown_with_spawn_buffered_in_flight_does_not_hang", "[stream]") {
    // Shutdown destroys tasks in registry order; the consumer may go after the tasks it spawned,
    // whose completions are then completed silently. Its stage's children must still be woken
    // by the stage's cancellation. Several offsets put the consumer at each registry position.
    for (int skip = 0; skip < 8; ++skip) {
        weir::runtime rt{workers(1)};
        for (int i = 0; i < skip; ++i) (void)rt.spawn(no_op_task());
        (void)rt.spawn(spawn_buffered_forever());
        std::this_thread::sleep_for(5ms);
    }  // ~runtime must return
    SUCCEED();
}

TEST_CASE("stream_for_each_concurrent_gives_way_to_other_tasks", "[stream]") {
    weir::runtime rt{workers(1)};
    auto seen_at = rt.block_on(on_worker([]() -> weir::task<long> {
        static std::atomic<bool> other_ran;
        other_ran = false;
        auto h = weir::spawn([]() -> weir::task<void> {
            other_ran = true;
            co_return;
        }());  // queued on this same worker
        long seen = -1, i = 0;
        auto body = [&](long) -> weir::task<void> {
            if (other_ran && seen < 0) seen = i;
            ++i;
            co_return;
        };
        co_await ws::iter(0L, 200'000L).for_each_concurrent(4, body);
        co_await h;
        co_return seen;
    }()));
    REQUIRE(seen_at >= 0);    // the other task ran while the stream was being consumed...
    REQUIRE(seen_at < 1000);  // ...within a few budgets, not only at its end
}

TEST_CASE("stream_buffered_tasks_see_the_task_locals_of_the_current_pull", "[stream]") {
    static weir::task_local<int> key;
    weir::runtime rt{workers(1)};
    auto got = rt.block_on([]() -> weir::task<std::vector<int>> {
        auto s = ws::iter(0, 4)
                     .map([](int) -> weir::task<int> {
                         co_await weir::yield_now();
                         int* v = key.try_get();
                         co_return v ? *v : -1;
                     })
                     .buffered(1);
        std::vector<int> out;
        auto first = co_await key.scope(42, s.next());  // pulled inside a scope...
        out.push_back(first.value_or(-2));
        auto second = co_await s.next();  // ...and outside it: the scope's binding is gone
        out.push_back(second.value_or(-2));
        co_return out;
    }());
    REQUIRE(got == std::vector<int>{42, -1});
}

TEST_CASE("stream_take_until_stops_at_once_even_when_the_upstream_is_always_ready", "[stream]") {
    weir::runtime rt{workers(1)};
    auto n = rt.block_on([]() -> weir::task<long> {
        weir::cancellation_token tok;
        long seen = 0;
        co_await ws::iter(0L, 1'000'000L).take_until(tok).for_each([&](long x) {
            ++seen;
            if (x == 9) tok.cancel();
        });
        co_return seen;
    }());
    REQUIRE(n == 10);
}

TEST_CASE("stream_merge_does_not_starve_a_side_that_waits", "[stream]") {
    weir::runtime rt{workers(1)};
    auto first_b_at = rt.block_on([]() -> weir::task<long> {
        auto slow = []() -> ws::generator<long> {
            for (long i = 0; i < 3; ++i) {
                co_await weir::sleep(1ms);
                co_yield -1;
            }
        };
        long i = 0, at = -1;
        co_await ws::iter(0L, 300'000L).merge(slow()).for_each([&](long x) {
            if (x < 0 && at < 0) at = i;
            ++i;
        });
        co_return at;
    }());
    REQUIRE(first_b_at >= 0);
    REQUIRE(first_b_at < 299'000);  // b's item came in while a still had plenty
}

TEST_CASE("stream_merge_pulls_no_item_it_does_not_hand_on", "[stream]") {
    weir::runtime rt{workers(1)};
    int pulled = 0;
    auto got = rt.block_on(ws::iter(0, 100)
                               .inspect([&](const int&) { ++pulled; })
                               .merge(ws::iter(100, 200).inspect([&](const int&) { ++pulled; }))
                               .take(3)
                               .collect());
    REQUIRE(got.size() == 3);
    REQUIRE(pulled == 3);
}

TEST_CASE("stream_merge_dropped_destroys_at_most_one_pulled_item", "[stream]") {
    // Two sides that wake on the same timer tick: both pulls complete before merge runs again,
    // so merge must keep one item for the next pull. Dropping it after take(k) destroys that
    // one item and no more: pulled - delivered is 0 or 1, in every round.
    weir::runtime rt{workers(1)};
    int most_lost = 0;
    for (int round = 0; round < 20; ++round) {
        int pulled = 0;
        auto side = [](int* pulled, int base) -> ws::generator<int> {
            for (int i = 0; i < 100; ++i) {
                co_await weir::sleep(1ms);
                ++*pulled;
                co_yield base + i;
            }
        };
        const std::size_t k = 3 + static_cast<std::size_t>(round % 4);
        auto got = rt.block_on(side(&pulled, 0).merge(side(&pulled, 1000)).take(k).collect());
        REQUIRE(got.size() == k);
        const int lost = pulled - static_cast<int>(got.size());
        REQUIRE(lost >= 0);
        REQUIRE(lost <= 1);
        most_lost = std::max(most_lost, lost);
    }
    INFO("items destroyed by a drop, most in one round: " << most_lost);
    SUCCEED();
}

TEST_CASE("stream_take_until_hands_on_an_item_its_upstream_already_gave", "[stream]") {
    // The upstream fires the token and then yields: that item was pulled, so it is handed on,
    // and the stream ends after it without pulling again.
    weir::runtime rt{workers(1)};
    int pulled = 0;
    auto got = rt.block_on([](int* pulled) -> weir::task<std::vector<int>> {
        weir::cancellation_token tok;
        auto up = [](int* pulled, weir::cancellation_token t) -> ws::generator<int> {
            for (int i = 0;; ++i) {
                co_await weir::sleep(1ms);
                ++*pulled;
                if (i == 2) t.cancel();
                co_yield i;
            }
        };
        co_return co_await up(pulled, tok).take_until(tok).collect();
    }(&pulled));
    REQUIRE(got == std::vector<int>{0, 1, 2});
    REQUIRE(pulled == 3);
}

namespace {
/// A view of the caller's strings, as std::views::all(v) is (clang 14 cannot compile libstdc++
/// 12's ref_view, so the test brings its own): a view that is not a borrowed range.
struct strings_view : std::ranges::view_base {
    std::string* first = nullptr;
    std::string* last = nullptr;
    std::string* begin() const { return first; }
    std::string* end() const { return last; }
};
static_assert(std::ranges::view<strings_view> && !std::ranges::borrowed_range<strings_view>);
}  // namespace

TEST_CASE("stream_flatten_copies_from_views_and_leaves_the_callers_elements_intact", "[stream]") {
    weir::runtime rt{workers(1)};
    // Long enough to live on the heap: a moved-from std::string is then visibly empty.
    const std::vector<std::string> original{std::string(40, 'a'), std::string(41, 'b'),
                                            std::string(42, 'c'), std::string(43, 'd')};
    std::vector<std::string> words = original;
    std::vector<std::span<std::string>> parts{std::span(words).first(1),
                                              std::span(words).subspan(1)};
    REQUIRE(rt.block_on(ws::iter(parts).flatten().collect()) == original);
    REQUIRE(words == original);
    std::vector<strings_view> views{{{}, words.data(), words.data() + words.size()}};
    REQUIRE(rt.block_on(ws::iter(views).flatten().collect()) == original);
    REQUIRE(words == original);
    // Containers owned by the stream are still moved out, not copied.
    std::vector<std::vector<std::string>> owned{original, original};
    auto both = rt.block_on(ws::iter(std::move(owned)).flatten().collect());
    REQUIRE(both.size() == 8);
    REQUIRE(both.back() == original.back());
}

TEST_CASE("stream_iter_over_bounds_of_mixed_signedness_is_never_silently_empty", "[stream]") {
    std::vector<int> v{1, 2, 3};
    // -5 is no value of the item type (the common type of int and std::size_t is unsigned).
    REQUIRE_THROWS_AS(ws::iter(-5, v.size()), std::invalid_argument);
    REQUIRE_THROWS_AS(ws::iter(-1, 3u), std::invalid_argument);
    weir::runtime rt{workers(1)};
    // Mixed signedness with values that fit is fine, and so is a signed common type.
    REQUIRE(rt.block_on(ws::iter(0, v.size()).collect()) == std::vector<std::size_t>{0, 1, 2});
    REQUIRE(rt.block_on(ws::iter(-2, 1LL).collect()) == std::vector<long long>{-2, -1, 0});
    REQUIRE(rt.block_on(ws::iter(-5, std::ssize(v)).count()) == 8);
    // An empty range stays empty, whatever the bounds' types.
    REQUIRE(rt.block_on(ws::iter(2u, -1).count()) == 0);
    REQUIRE(rt.block_on(ws::iter(3, v.size()).count()) == 0);
}

namespace {
/// buffered(4) over 8 tasks: task 0 finishes at once, the others each hold a permit of `sem`
/// until they are cancelled.
auto permit_holding_stream(weir::semaphore& sem) {
    auto hold = [&sem](int x) -> weir::task<int> {
        if (x == 0) co_return 0;
        auto permit = co_await sem.acquire();
        co_await weir::sleep(1h);
        co_return x;
    };
    return ws::iter(0, 8).map(hold).buffered(4);
}

/// What a downstream stage's error left behind: the permits free when the consumer saw it (the
/// stream still alive), and whether the next pull gave nullopt.
struct after_error {
    std::size_t free_permits = 0;
    bool ended = false;
};

/// Builds build(permit_holding_stream) and pulls once, which must throw; then counts the free
/// permits while the stream is still alive, and pulls again (the stream must have ended).
template <class Build>
after_error permits_after_a_downstream_error(Build build) {
    weir::runtime rt{workers(1)};
    return rt.block_on([](Build build) -> weir::task<after_error> {
        weir::semaphore sem(4);
        auto s = build(permit_holding_stream(sem));
        bool threw = false;
        try {
            (void)co_await s.next();
        } catch (const std::runtime_error&) {
            threw = true;
        }
        REQUIRE(threw);
        after_error out;
        out.free_permits = sem.available_permits();
        auto next = co_await s.next();
        out.ended = !next.has_value();
        co_return out;
    }(std::move(build)));
}

ws::generator<int> failing_after(ws::boxed<int> up) {
    while (auto v = co_await up.pull()) {
        (void)v;
        throw std::runtime_error("generator failed");
    }
}
}  // namespace

TEST_CASE("stream_stage_that_ends_by_error_releases_its_upstream_at_once", "[stream]") {
    // The in-flight tasks of the buffered stage before the failing stage are cancelled and have
    // run their cleanup (the permits are back) when the consumer sees the exception, not when
    // the stream is destroyed.
    auto check = [](const char* stage, after_error r) {
        INFO("failing stage: " << stage);
        CHECK(r.free_permits == 4);
        CHECK(r.ended);
    };
    check("map", permits_after_a_downstream_error([](auto s) {
              return std::move(s).map([](int) -> int { throw std::runtime_error("map failed"); });
          }));
    check("inspect", permits_after_a_downstream_error([](auto s) {
              return std::move(s).inspect(
                  [](const int&) { throw std::runtime_error("inspect failed"); });
          }));
    check("filter", permits_after_a_downstream_error([](auto s) {
              return std::move(s).filter(
                  [](int) -> bool { throw std::runtime_error("filter failed"); });
          }));
    check("then", permits_after_a_downstream_error([](auto s) {
              return std::move(s).then([](int) -> weir::task<int> {
                  co_await weir::yield_now();
                  throw std::runtime_error("then failed");
              });
          }));
    check("generator",
          permits_after_a_downstream_error([](auto s) { return failing_after(std::move(s)); }));
}

TEST_CASE("stream_take_releases_its_upstream_once_it_has_its_items", "[stream]") {
    weir::runtime rt{workers(1)};
    auto [first, free_now, ended] =
        rt.block_on([]() -> weir::task<std::tuple<std::optional<int>, std::size_t, bool>> {
            weir::semaphore sem(4);
            auto s = permit_holding_stream(sem).take(1);
            auto first = co_await s.next();
            std::size_t free_now = sem.available_permits();
            auto next = co_await s.next();
            bool ended = !next.has_value();
            co_return std::tuple{first, free_now, ended};
        }());
    REQUIRE(first == 0);
    REQUIRE(free_now == 4);
    REQUIRE(ended);
}

TEST_CASE("stream_for_each_concurrent_keeps_each_item_alive_until_its_task_finishes",
          "[stream][lifetime]") {
    weir::runtime rt{workers(1)};
    std::size_t total = rt.block_on([]() -> weir::task<std::size_t> {
        std::vector<std::string> words;  // 36 + 38 + ... + 50 = 344 characters
        for (int i = 0; i < 8; ++i)
            words.push_back(std::string(36 + 2 * i, static_cast<char>('a' + i)));
        std::size_t sum = 0;
        auto body = [&sum](const std::string& w) -> weir::task<void> {
            co_await weir::sleep(1ms);  // the item is read after the body's first suspension
            sum += w.size();
        };
        co_await ws::iter(std::move(words)).for_each_concurrent(4, body);
        co_return sum;
    }());
    REQUIRE(total == 344);
}

TEST_CASE("buffered_and_for_each_concurrent_give_a_logic_error_for_an_empty_task",
          "[stream][regression]") {
    // A slot's child takes its job's outcome without a throw (task_slots.hpp, run_slot); an
    // empty task must still reach the consumer as the logic_error of co_await on an empty task
    // (a first version of that child ended the program instead).
    weir::runtime rt(workers(1));
    auto empty_at_2 = [](int x) -> weir::task<int> {
        if (x == 2) return weir::task<int>{};
        return [](int x) -> weir::task<int> { co_return x; }(x);
    };
    REQUIRE_THROWS_AS(rt.block_on(on_worker(ws::iter(0, 5).map(empty_at_2).buffered(3).collect())),
                      std::logic_error);
    REQUIRE_THROWS_AS(
        rt.block_on(on_worker(ws::iter(0, 5).map(empty_at_2).buffer_unordered(3).collect())),
        std::logic_error);
    REQUIRE_THROWS_AS(
        rt.block_on(on_worker(ws::iter(0, 5).for_each_concurrent(2,
                                                                 [](int x) -> weir::task<void> {
                                                                     if (x == 3)
                                                                         return weir::task<void>{};
                                                                     return no_op_task();
                                                                 }))),
        std::logic_error);
}

TEST_CASE("a_job_whose_start_the_budget_deferred_does_not_start_once_its_stream_is_cancelled",
          "[stream][regression][budget][cancel]") {
    // The map's function spends the task's budget, so each slot's await of its job is deferred
    // to the task's next run. Before that run, the select's other branch (woken first) wins and
    // cancels the stream's branch: the deferred starts must then find the scope cancelled and
    // not start their jobs (a first version of the slot's child started them).
    weir::runtime rt(workers(1));
    std::atomic<int> started{0};
    rt.block_on(on_worker([](std::atomic<int>& started) -> weir::task<void> {
        weir::notify n;
        auto r = co_await weir::select(
            [](std::atomic<int>& started, weir::notify& n) -> weir::task<int> {
                co_await weir::yield_now();  // the second branch starts waiting meanwhile
                n.notify_one();
                auto s = ws::iter(0, 3)
                             .map([&started](int x) {
                                 weir::detail::this_thread.budget = 0;
                                 return [](std::atomic<int>& started, int x) -> weir::task<int> {
                                     started.fetch_add(1);
                                     co_return x;
                                 }(started, x);
                             })
                             .buffered(3);
                auto first = co_await s.next();
                co_return first.value_or(-1);
            }(started, n),
            n.notified());
        REQUIRE(r.index() == 1);
    }(started)));
    REQUIRE(started.load() == 0);
}

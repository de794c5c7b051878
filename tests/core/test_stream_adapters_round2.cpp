// Stream adapters of issue 17 (what a futures::stream user reaches for): enumerate, skip_while,
// chain, flat_map, any, all, select_all, and zip pulling both sides at the same time.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using namespace std::chrono_literals;
using weir_test::collect_on;
using weir_test::workers;
namespace ws = weir::stream;

namespace {
static_assert(
    std::is_same_v<ws::item_t<decltype(ws::iter(0, 3).enumerate())>, std::pair<std::size_t, int>>);
static_assert(std::is_same_v<ws::item_t<decltype(ws::iter(0, 3).flat_map([](int n) {
                                 return std::vector<long>(static_cast<std::size_t>(n), 1L);
                             }))>,
                             long>);

/// n items base, base + 1, ..., one every `gap` (a timer per item).
ws::generator<int> ticking(int base, int n, std::chrono::milliseconds gap) {
    for (int i = 0; i < n; ++i) {
        co_await weir::sleep(gap);
        co_yield base + i;
    }
}

/// Counts its pulls (and whether it was destroyed) so tests can see what an adapter asked for.
struct probe_state {
    int pulls = 0;
    bool dropped = false;
};
ws::generator<int> probed(std::shared_ptr<probe_state> st, int n) {
    struct on_drop {
        probe_state* s;
        ~on_drop() { s->dropped = true; }
    } guard{st.get()};
    for (int i = 0; i < n; ++i) {
        ++st->pulls;
        co_yield i;
    }
    ++st->pulls;  // the pull that found the end
}
}  // namespace

TEST_CASE("stream_enumerate_pairs_each_item_with_its_position", "[stream]") {
    weir::runtime rt{workers(1)};
    auto got = collect_on(rt, ws::iter(std::vector<std::string>{"a", "b", "c"}).enumerate());
    REQUIRE(got.size() == 3);
    CHECK(got[0] == std::pair<std::size_t, std::string>{0, "a"});
    CHECK(got[2] == std::pair<std::size_t, std::string>{2, "c"});
    CHECK(collect_on(rt, ws::iter(0, 0).enumerate()).empty());
}

TEST_CASE("stream_skip_while_drops_a_prefix_and_then_never_calls_p_again", "[stream]") {
    weir::runtime rt{workers(1)};
    int calls = 0;
    auto got = collect_on(rt, ws::iter(std::vector<int>{1, 2, 5, 1, 7, 0}).skip_while([&](int x) {
        ++calls;
        return x < 3;
    }));
    CHECK(got == std::vector<int>{5, 1, 7, 0});  // 1 and 0 come after the prefix: kept
    CHECK(calls == 3);
    // A task predicate; a stream that never fails it is empty.
    auto all_small = ws::iter(0, 5).skip_while([](int x) -> weir::task<bool> { co_return x < 10; });
    CHECK(collect_on(rt, std::move(all_small)).empty());
}

TEST_CASE("stream_chain_gives_the_first_stream_then_the_second_and_releases_the_first_early",
          "[stream]") {
    weir::runtime rt{workers(1)};
    CHECK(collect_on(rt, ws::iter(0, 3).chain(ws::iter(10, 12))) ==
          std::vector<int>{0, 1, 2, 10, 11});
    auto first = std::make_shared<probe_state>();
    auto second = std::make_shared<probe_state>();
    bool first_dropped_before_second_pulled = false;
    auto s = probed(first, 2).chain(probed(second, 2).inspect([&](int) {
        if (second->pulls == 1) first_dropped_before_second_pulled = first->dropped;
    }));
    CHECK(collect_on(rt, std::move(s)) == std::vector<int>{0, 1, 0, 1});
    CHECK(first_dropped_before_second_pulled);
    // take() before the end of the first: the second is never pulled.
    auto unpulled = std::make_shared<probe_state>();
    CHECK(collect_on(rt, ws::iter(0, 5).chain(probed(unpulled, 3)).take(2)) ==
          std::vector<int>{0, 1});
    CHECK(unpulled->pulls == 0);
}

TEST_CASE("stream_chain_error_in_the_first_stream_ends_the_chain", "[stream]") {
    weir::runtime rt{workers(1)};
    auto bad = []() -> ws::generator<int> {
        co_yield 1;
        throw std::runtime_error("first failed");
    };
    auto second = std::make_shared<probe_state>();
    REQUIRE_THROWS_WITH(rt.block_on(bad().chain(probed(second, 3)).collect()), "first failed");
    CHECK(second->pulls == 0);
}

TEST_CASE("stream_flat_map_flattens_the_streams_or_ranges_f_gives", "[stream]") {
    weir::runtime rt{workers(1)};
    auto ranges = ws::iter(0, 4).flat_map(
        [](int n) { return std::vector<int>(static_cast<std::size_t>(n), n); });
    CHECK(collect_on(rt, std::move(ranges)) == std::vector<int>{1, 2, 2, 3, 3, 3});
    auto streams = ws::iter(1, 4).flat_map([](int n) { return ws::iter(0, n); });
    CHECK(collect_on(rt, std::move(streams)) == std::vector<int>{0, 0, 1, 0, 1, 2});
}

TEST_CASE("stream_any_and_all_stop_at_the_deciding_item", "[stream]") {
    weir::runtime rt{workers(1)};
    auto st = std::make_shared<probe_state>();
    CHECK(rt.block_on(probed(st, 100).any([](int x) { return x == 3; })));
    CHECK(st->pulls == 4);  // 0, 1, 2, 3: no pull after the deciding item
    auto st2 = std::make_shared<probe_state>();
    CHECK_FALSE(rt.block_on(probed(st2, 100).all([](int x) { return x < 5; })));
    CHECK(st2->pulls == 6);
    CHECK_FALSE(rt.block_on(ws::iter(0, 0).any([](int) { return true; })));
    CHECK(rt.block_on(ws::iter(0, 0).all([](int) { return false; })));
    CHECK(rt.block_on(ws::iter(0, 10).all([](int x) -> weir::task<bool> { co_return x >= 0; })));
}

TEST_CASE("stream_select_all_takes_turns_so_three_equal_streams_get_a_third_each", "[stream]") {
    weir::runtime rt{workers(1)};
    // Ready streams: a strict ring.
    std::vector<ws::generator<int>> ready;
    for (int k = 0; k < 3; ++k)
        ready.push_back(ws::iter(100 * k, 100 * k + 3).filter([](int) { return true; }));
    CHECK(collect_on(rt, ws::select_all(std::move(ready))) ==
          std::vector<int>{0, 100, 200, 1, 101, 201, 2, 102, 202});
    // Endless streams: the first 600 items, 200 from each (a.merge(b).merge(c) gives 150, 150,
    // 300 here).
    std::vector<ws::generator<int>> endless;
    for (int k = 0; k < 3; ++k) endless.push_back(ws::repeat(k).filter([](int) { return true; }));
    auto first = collect_on(rt, ws::select_all(std::move(endless)).take(600));
    std::map<int, int> share;
    for (int x : first) ++share[x];
    CHECK(share[0] == 200);
    CHECK(share[1] == 200);
    CHECK(share[2] == 200);
}

TEST_CASE("stream_select_all_interleaves_timed_streams_and_ends_when_all_end", "[stream]") {
    weir::runtime rt{workers(2)};
    auto got = rt.block_on([]() -> weir::task<std::vector<int>> {
        std::vector<ws::generator<int>> v;
        v.push_back(ticking(0, 4, 1ms));
        v.push_back(ticking(100, 2, 2ms));
        v.push_back(ticking(200, 3, 1ms));
        co_return co_await ws::select_all(std::move(v)).collect();
    }());
    REQUIRE(got.size() == 9);
    std::vector<int> a, b, c;
    for (int x : got) (x < 100 ? a : x < 200 ? b : c).push_back(x);
    CHECK(a == std::vector<int>{0, 1, 2, 3});  // each keeps its own order
    CHECK(b == std::vector<int>{100, 101});
    CHECK(c == std::vector<int>{200, 201, 202});
    CHECK(collect_on(rt, ws::select_all(std::vector<ws::generator<int>>{})).empty());
}

TEST_CASE("stream_select_all_error_in_one_stream_ends_it_and_cancels_the_others", "[stream]") {
    weir::runtime rt{workers(1)};
    auto bad = []() -> ws::generator<int> {
        co_await weir::sleep(1ms);
        throw std::runtime_error("one failed");
        co_yield 0;
    };
    std::vector<ws::generator<int>> v;
    v.push_back(ticking(0, 1000, 10ms));
    v.push_back(bad());
    REQUIRE_THROWS_WITH(rt.block_on(ws::select_all(std::move(v)).collect()), "one failed");
}

namespace {
/// Two sides that each wait, on every pull, until the other side has been pulled as often: a zip
/// that pulls one side after the other never lets that happen (each wait gives up after 2 s and
/// says so), one that pulls both at once passes each round at once.
struct rendezvous {
    int a = 0, b = 0;
    bool missed = false;
};
ws::generator<int> side(rendezvous& r, bool is_a, int n) {
    for (int i = 1; i <= n; ++i) {
        (is_a ? r.a : r.b) = i;
        const int& other = is_a ? r.b : r.a;
        auto deadline = std::chrono::steady_clock::now() + 2s;
        while (other < i) {
            if (std::chrono::steady_clock::now() > deadline) {
                r.missed = true;
                break;
            }
            co_await weir::sleep(1ms);
        }
        co_yield i;
    }
}
}  // namespace

TEST_CASE("stream_zip_pulls_both_sides_at_the_same_time", "[stream]") {
    weir::runtime rt{workers(1)};
    rendezvous r;
    auto got = rt.block_on(side(r, true, 5).zip(side(r, false, 5)).collect());
    REQUIRE(got.size() == 5);
    CHECK(got[4] == std::tuple<int, int>{5, 5});
    CHECK_FALSE(r.missed);
}

TEST_CASE("stream_zip_ends_with_the_shorter_side_and_cancels_the_other", "[stream]") {
    weir::runtime rt{workers(1)};
    auto got = rt.block_on(ticking(0, 3, 1ms).zip(ticking(100, 1000, 30ms)).collect());
    CHECK(got.size() == 3);
    auto bad = []() -> ws::generator<int> {
        co_await weir::sleep(2ms);
        throw std::runtime_error("right failed");
        co_yield 0;
    };
    REQUIRE_THROWS_WITH(rt.block_on(ticking(0, 100, 1ms).zip(bad()).collect()), "right failed");
}

TEST_CASE("stream_peekable_peek_leaves_the_item_for_the_next_pull", "[stream]") {
    weir::runtime rt{workers(1)};
    auto got = rt.block_on([]() -> weir::task<std::vector<std::string>> {
        auto s = ws::iter(std::vector<std::string>{"a", "b"}).peekable();
        std::vector<std::string> out;
        std::string* p = co_await s.peek();
        REQUIRE(p);
        out.push_back("peek " + *p);
        std::string* again = co_await s.peek();  // the same item: no second pull
        REQUIRE(again == p);
        while (auto v = co_await s.next()) out.push_back(*v);
        out.push_back((co_await s.peek()) ? "more" : "end");  // null once ended
        co_return out;
    }());
    CHECK(got == std::vector<std::string>{"peek a", "a", "b", "end"});
}

TEST_CASE("stream_peekable_is_a_stream_and_peeks_across_a_waiting_upstream", "[stream]") {
    weir::runtime rt{workers(1)};
    // Group runs of equal tens (0-9, 10-19, ...) by peeking at the next item.
    auto got = rt.block_on([]() -> weir::task<std::vector<int>> {
        auto s = ticking(5, 20, 1ms).peekable();
        std::vector<int> sizes;
        while (int* first = co_await s.peek()) {
            const int tens = *first / 10;
            int n = 0;
            for (int* p = first; p && *p / 10 == tens; p = co_await s.peek()) {
                (void)co_await s.next();
                ++n;
            }
            sizes.push_back(n);
        }
        co_return sizes;
    }());
    CHECK(got == std::vector<int>{5, 10, 5});
    // Adapters chain on it.
    CHECK(collect_on(rt, ws::iter(0, 4).peekable().map([](int x) { return x * 2; })) ==
          std::vector<int>{0, 2, 4, 6});
}

TEST_CASE("stream_throttle_spaces_items_at_least_d_apart", "[stream]") {
    weir::runtime rt{workers(1)};
    std::vector<weir::clock::time_point> at;
    auto got = collect_on(
        rt, ws::iter(0, 4).throttle(10ms).inspect([&](int) { at.push_back(weir::clock::now()); }));
    CHECK(got == std::vector<int>{0, 1, 2, 3});
    REQUIRE(at.size() == 4);
    // A lower bound only (a loaded machine fires timers late, never early), and half of d: inspect
    // sees each item a little after throttle let it pass, and a thread preempted between the two
    // shortens the gap measured here by as much. Unthrottled, the gaps are microseconds.
    for (std::size_t i = 1; i < at.size(); ++i) CHECK(at[i] - at[i - 1] >= 5ms);
    REQUIRE_THROWS_AS(ws::iter(0, 1).throttle(0ms), std::invalid_argument);
}

TEST_CASE("stream_chunks_timeout_hands_on_full_chunks_and_late_partial_ones", "[stream]") {
    weir::runtime rt{workers(1)};
    // Ready items: full chunks, then the short tail at the end.
    CHECK(collect_on(rt, ws::iter(0, 7).chunks_timeout(3, 1s)) ==
          std::vector<std::vector<int>>{{0, 1, 2}, {3, 4, 5}, {6}});
    // A burst of 2, then a pause far longer than d, then 2 more: the deadline cuts each burst
    // into its own chunk, although neither fills the chunk of 10.
    auto bursts = []() -> ws::generator<int> {
        co_yield 0;
        co_yield 1;
        co_await weir::sleep(300ms);
        co_yield 2;
        co_yield 3;
    };
    CHECK(collect_on(rt, bursts().chunks_timeout(10, 20ms)) ==
          std::vector<std::vector<int>>{{0, 1}, {2, 3}});
    REQUIRE_THROWS_AS(ws::iter(0, 1).chunks_timeout(0, 1s), std::invalid_argument);
    REQUIRE_THROWS_AS(ws::iter(0, 1).chunks_timeout(2, 0ms), std::invalid_argument);
}

TEST_CASE("stream_chunks_timeout_dropped_while_waiting_cancels_its_timer_and_pull", "[stream]") {
    weir::runtime rt{workers(1)};
    // take(1) drops the stage while its timer and the upstream's pull are both pending.
    auto got = collect_on(rt, ticking(0, 1000, 5ms).chunks_timeout(100, 12ms).take(1));
    REQUIRE(got.size() == 1);
    CHECK_FALSE(got[0].empty());
    CHECK(got[0].size() < 100);
}

TEST_CASE("stream_flatten_unordered_runs_up_to_n_inner_streams_at_once", "[stream]") {
    weir::runtime rt{workers(1)};
    // Three inner streams of 4 timed items each; with n = 3 all run together, so the first three
    // items come one from each (their first ticks), not all from the first stream.
    auto inners = ws::iter(0, 3).map([](int k) { return ticking(100 * k, 4, 2ms); });
    auto got = collect_on(rt, std::move(inners).flatten_unordered(3));
    REQUIRE(got.size() == 12);
    std::vector<int> firsts(got.begin(), got.begin() + 3);
    std::sort(firsts.begin(), firsts.end());
    CHECK(firsts == std::vector<int>{0, 100, 200});
    std::vector<int> per[3];
    for (int x : got) per[x / 100].push_back(x);
    for (int k = 0; k < 3; ++k)  // each inner stream keeps its order
        CHECK(per[k] == std::vector<int>{100 * k, 100 * k + 1, 100 * k + 2, 100 * k + 3});
    // n = 1 is flatten: one inner stream after another.
    auto one = ws::iter(0, 3).map([](int k) { return ticking(100 * k, 2, 1ms); });
    CHECK(collect_on(rt, std::move(one).flatten_unordered(1)) ==
          std::vector<int>{0, 1, 100, 101, 200, 201});
    REQUIRE_THROWS_AS(ws::iter(0, 1).map([](int) { return ws::iter(0, 1); }).flatten_unordered(0),
                      std::invalid_argument);
}

TEST_CASE("stream_flatten_unordered_error_in_an_inner_stream_ends_it", "[stream]") {
    weir::runtime rt{workers(1)};
    auto inners = ws::iter(0, 3).map([](int k) -> ws::generator<int> {
        co_await weir::sleep(1ms);
        if (k == 1) throw std::runtime_error("inner failed");
        co_yield k;
    });
    REQUIRE_THROWS_WITH(rt.block_on(std::move(inners).flatten_unordered(2).collect()),
                        "inner failed");
}

// The small pieces under the stream stages' hot paths, checked directly: index_ring (buffered's
// input order), detail::result (every awaited task's outcome) and pull_into (how the stages
// pull, with the order of drops and pulls it keeps).
#include <catch2/catch.hpp>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>
#include <weir/detail/result.hpp>
#include <weir/stream/detail/index_ring.hpp>
#include <weir/stream/detail/pull_into.hpp>
#include <weir/weir.hpp>

TEST_CASE("stream_index_ring_keeps_fifo_order_across_wraps_and_growth", "[stream]") {
    weir::stream::detail::index_ring ring;
    std::deque<std::size_t> model;
    std::size_t next = 0;
    // Pushes outrun pops, then pops catch up, several times: the ring wraps and grows (8, 16,
    // 32...) with entries in the middle of a wrap.
    for (int round = 0; round < 6; ++round) {
        for (int k = 0; k < 5 + round * 7; ++k) {
            ring.push_back(next);
            model.push_back(next++);
        }
        for (int k = 0; k < 3 + round * 5; ++k) {
            REQUIRE_FALSE(ring.empty());
            REQUIRE(ring.front() == model.front());
            ring.pop_front();
            model.pop_front();
        }
    }
    while (!model.empty()) {
        REQUIRE(ring.front() == model.front());
        ring.pop_front();
        model.pop_front();
    }
    CHECK(ring.empty());
}

TEST_CASE("task_result_holds_nothing_a_value_or_an_exception_once", "[task]") {
    weir::detail::result<std::string> r;
    CHECK(r.empty());
    r.set_value("abc");
    CHECK(r.has_value());
    CHECK(r.take() == "abc");
    CHECK(r.empty());
    CHECK_THROWS_AS(r.take(), std::logic_error);  // taken twice

    r.set_exception(std::make_exception_ptr(std::runtime_error("boom")));
    CHECK(r.has_exception());
    CHECK_THROWS_WITH(r.take(), "boom");

    // moving a result moves what it holds; a shared_ptr's count shows nothing leaked or doubled
    auto p = std::make_shared<int>(5);
    {
        weir::detail::result<std::shared_ptr<int>> a;
        a.set_value(p);
        weir::detail::result<std::shared_ptr<int>> b(std::move(a));
        weir::detail::result<std::shared_ptr<int>> c;
        c = std::move(b);
        CHECK(p.use_count() <= 3);
        CHECK(*c.take() == 5);
    }
    CHECK(p.use_count() == 1);

    weir::detail::result<void> v;
    v.set_value();
    CHECK(v.has_value());
    v.take();
    CHECK(v.empty());
    // T may itself be an exception_ptr: a value, not an error
    weir::detail::result<std::exception_ptr> e;
    e.set_value(std::make_exception_ptr(std::runtime_error("as a value")));
    CHECK(e.has_value());
    CHECK(e.take() != nullptr);
}

// ---- pull_into (stream/detail/pull_into.hpp): how weir's stages pull ----

namespace {
namespace ws = weir::stream;

// A stream written against the public pull protocol only (no take_into): weir's stages take its
// items through pull_into's general path.
struct countdown_stream : ws::stream_base<countdown_stream, std::string> {
    int left;
    explicit countdown_stream(int n) : left(n) {}
    ws::detail::ready_item<std::string> pull() {
        if (left == 0) return {};
        return {std::string(static_cast<std::size_t>(left--), 'x')};
    }
};

struct pull_log {
    std::vector<std::string> events;
};
// Items that say when they are dropped, for the order of drops and pulls.
struct noisy {
    pull_log* log;
    int n;
    noisy(pull_log* l, int k) : log(l), n(k) {}
    noisy(noisy&& o) noexcept : log(std::exchange(o.log, nullptr)), n(o.n) {}
    noisy& operator=(noisy&&) = delete;
    ~noisy() {
        if (log) log->events.push_back("drop " + std::to_string(n));
    }
};
ws::generator<noisy> noisy_items(pull_log* log, int n) {
    for (int k = 0; k < n; ++k) {
        log->events.push_back("pull " + std::to_string(k));
        co_yield noisy(log, k);
    }
}
ws::generator<int> two_then_throw() {
    co_yield 1;
    co_yield 2;
    throw std::runtime_error("third");
}
weir::task<std::vector<std::string>> pull_all_into(countdown_stream s) {
    std::vector<std::string> got;
    std::optional<std::string> v;
    for (;;) {
        co_await ws::detail::pull_into(s, v);
        if (!v) break;
        got.push_back(std::move(*v));
    }
    got.push_back(v ? "engaged at the end" : "empty at the end");
    co_return got;
}
}  // namespace

TEST_CASE("stream_pull_into_gives_each_item_then_empties_its_slot_at_the_end", "[stream]") {
    weir::runtime rt{weir::runtime::options{.worker_threads = 1}};
    CHECK(rt.block_on(pull_all_into(countdown_stream(3))) ==
          std::vector<std::string>{"xxx", "xx", "x", "empty at the end"});
    // The same hand-written stream through weir's stages (filter, buffered's pump, collect).
    CHECK(rt.block_on(countdown_stream(4)
                          .filter([](const std::string& s) { return s.size() % 2 == 0; })
                          .collect()) == std::vector<std::string>{"xxxx", "xx"});
    CHECK(rt.block_on(countdown_stream(3)
                          .map([](std::string s) -> weir::task<std::size_t> { co_return s.size(); })
                          .buffered(2)
                          .collect()) == std::vector<std::size_t>{3, 2, 1});
}

TEST_CASE("stream_filter_drops_a_rejected_item_before_it_pulls_the_next", "[stream]") {
    weir::runtime rt{weir::runtime::options{.worker_threads = 1}};
    pull_log log;
    auto kept =
        rt.block_on(noisy_items(&log, 3).filter([](const noisy& x) { return x.n == 2; }).count());
    CHECK(kept == 1);
    CHECK(log.events ==
          std::vector<std::string>{"pull 0", "drop 0", "pull 1", "drop 1", "pull 2", "drop 2"});
}

TEST_CASE("stream_collect_and_filter_rethrow_a_generator_s_exception_after_its_items", "[stream]") {
    weir::runtime rt{weir::runtime::options{.worker_threads = 1}};
    CHECK_THROWS_WITH(rt.block_on(two_then_throw().collect()), "third");
    CHECK_THROWS_WITH(rt.block_on(two_then_throw().filter([](int x) { return x > 0; }).collect()),
                      "third");
    std::vector<int> seen;
    auto run = [&]() -> weir::task<void> {
        auto s = two_then_throw();
        std::optional<int> v;
        try {
            for (;;) {
                co_await ws::detail::pull_into(s, v);
                if (!v) break;
                seen.push_back(*v);
            }
        } catch (const std::runtime_error&) {
            seen.push_back(-1);
        }
        v = 98;
        co_await ws::detail::pull_into(s, v);  // ended for good: empties v, no throw
        seen.push_back(v ? 99 : 0);
    };
    rt.block_on(run());
    CHECK(seen == std::vector<int>{1, 2, -1, 0});
}

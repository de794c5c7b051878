// The small containers under the stream stages' hot paths: index_ring (buffered's input order)
// and detail::result (every awaited task's outcome), checked directly, apart from the stages.
#include <catch2/catch.hpp>
#include <cstddef>
#include <deque>
#include <memory>
#include <stdexcept>
#include <string>
#include <weir/detail/result.hpp>
#include <weir/stream/detail/index_ring.hpp>

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

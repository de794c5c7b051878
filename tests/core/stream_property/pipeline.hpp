// The real pipeline of a stream property case: weir::stream::boxed<int> from iter(input), each
// stage applied as the adapter it names, then the consumer; run_real is the task that
// rt.block_on runs. Every stage keeps the item type int, so stages compose in any order.
//
// Part of test_stream_property.cpp, which alone includes it: its names are in that file's
// anonymous namespace, which a unity batch shares with three other test files, so they must
// stay unique among the test files.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>
#include <weir/weir.hpp>

#include "case.hpp"
#include "stage_functions.hpp"

namespace ws = weir::stream;

namespace {

// ---- the real pipeline ----

ws::boxed<int> add_stage(ws::boxed<int> s, const stage& st, std::atomic<std::size_t>* counters) {
    const int a = st.a, b = st.b, level = st.level;
    const std::uint32_t salt = st.salt;
    const auto n = static_cast<std::size_t>(st.n);
    auto affine_job = [=](int x) { return affine_task(x, a, b, level, salt); };
    switch (st.k) {
        case op::map:
            return std::move(s).map([=](int x) { return affine(x, a, b); });
        case op::buffered:
            return std::move(s).map(affine_job).buffered(n);
        case op::buffer_unordered:
            return std::move(s).map(affine_job).buffer_unordered(n);
        case op::spawn_buffered:
            return std::move(s).map(affine_job).spawn_buffered(n);
        case op::then:
            return std::move(s).then(affine_job);
        case op::filter:
            if (st.as_task)
                return std::move(s).filter(
                    [=](const int& x) { return keep_task(x, a, b, level, salt); });
            return std::move(s).filter([=](const int& x) { return keep(x, a, b); });
        case op::filter_map:
            if (st.as_task)
                return std::move(s).filter_map(
                    [=](int x) { return pick_task(x, a, b, level, salt); });
            return std::move(s).filter_map([=](int x) { return pick(x, a, b); });
        case op::take:
            return std::move(s).take(n);
        case op::skip:
            return std::move(s).skip(n);
        case op::take_while:
            if (st.as_task)
                return std::move(s).take_while(
                    [=](const int& x) { return before_stop_task(x, a, b, level, salt); });
            return std::move(s).take_while([=](const int& x) { return before_stop(x, a, b); });
        case op::chunks_flatten:
            return std::move(s).chunks(n).flatten();
        case op::chunks_sum:
            return std::move(s).chunks(n).map([](std::vector<int> v) { return vec_sum(v); });
        case op::scan:
            if (st.as_task)
                return std::move(s).scan(
                    0, [=](int& acc, int x) { return running_sum_task(acc, x, a, level, salt); });
            return std::move(s).scan(0, [=](int& acc, int x) { return running_sum(acc, x, a); });
        case op::inspect: {
            std::atomic<std::size_t>* c = &counters[st.counter];
            return std::move(s).inspect(
                [c](const int&) { c->fetch_add(1, std::memory_order_relaxed); });
        }
        case op::zip:
            return std::move(s).zip(ws::iter(st.other)).map([](std::tuple<int, int> p) {
                return pair_back(std::get<0>(p), std::get<1>(p));
            });
    }
    throw std::logic_error("unknown stage");
}

struct outcome {
    std::vector<int> items;
    std::size_t count = 0;
    int sum = 0;
    std::uint64_t fold = 0;
};

// The consumers' tasks are made before they are awaited: g++ 12 destroys a lambda temporary
// passed by value inside a co_await expression twice (see spawn_blocking in spawn.hpp).
weir::task<outcome> run_real(const case_spec& c, std::atomic<std::size_t>* counters) {
    ws::boxed<int> s = ws::iter(c.input);
    for (const stage& st : c.stages) s = add_stage(std::move(s), st, counters);
    outcome o;
    switch (c.cons) {
        case consumer::collect: {
            auto t = std::move(s).collect();
            o.items = co_await std::move(t);
            break;
        }
        case consumer::count: {
            auto t = std::move(s).count();
            o.count = co_await std::move(t);
            break;
        }
        case consumer::sum: {
            auto t = std::move(s).sum();
            o.sum = co_await std::move(t);
            break;
        }
        case consumer::fold: {
            const bool ordered = c.ordered;
            const int level = c.fold_level;
            const std::uint32_t salt = c.fold_salt;
            if (c.fold_as_task) {
                auto t = std::move(s).fold(std::uint64_t{0}, [=](std::uint64_t acc, int x) {
                    return fold_task(acc, x, ordered, level, salt);
                });
                o.fold = co_await std::move(t);
            } else {
                auto t = std::move(s).fold(std::uint64_t{0}, [=](std::uint64_t acc, int x) {
                    return ordered ? fold_ordered(acc, x) : fold_commutative(acc, x);
                });
                o.fold = co_await std::move(t);
            }
            break;
        }
    }
    co_return o;
}
}  // namespace

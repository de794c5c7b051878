// Property tests for stream pipelines: random pipelines over random inputs give what the same
// computation gives as plain synchronous code.
//
// A case is an input vector, 1..5 stages and a consumer, all drawn from one 64-bit seed by a
// portable generator (splitmix64 and plain modulo, not <random>'s distributions), so a seed means
// the same case natively and under Emscripten's libc++. It runs twice:
//   - for real: boxed<int> s = iter(input); s = std::move(s).<stage>(...); ... consumer, inside
//     rt.block_on, which returns the results;
//   - as the model: one small synchronous pull chain (a plain loop per stage) with the same
//     semantics as each stage's header comment gives, run on the test's thread.
// Then the results are compared on the test's thread (Catch2 is not thread-safe: no assertion
// runs inside the runtime). Every stage keeps the item type int (chunks is followed by flatten or
// by a sum, zip by a map of the pair back to int), so the stages compose in any order.
//
// Order: once a buffer_unordered has run, the order of the items is lost. From there only stages
// that do not depend on order are drawn (map, then, filter, filter_map, inspect, the buffers,
// chunks+flatten), collect is compared as a multiset and fold uses a commutative step.
//
// inspect counts its calls. How many items a stage pulls depends on what is downstream: take,
// take_while, scan, zip and chunks stop pulling at exact points, which the model follows (it is
// lazy like the streams). buffered, buffer_unordered and spawn_buffered run ahead of their
// consumer by up to n items, by an amount that depends on timing; so the model runs twice, once
// pulling lazily (the least a correct stream can pull) and once with every buffer filling all its
// n slots before handing an item out (the most), and the real count must lie between the two.
// Without a buffer downstream of the inspect the two are equal and the check is exact.
//
// Tasks (the mapped tasks of the buffers, then's, the task predicates) suspend for a small
// fraction of items, depending on a hash of the item and the stage: weir::yield_now() mostly,
// weir::sleep(1ms) rarely, so that the asynchronous paths (the buffers' child pool, the pump, the
// workers of spawn_buffered) run without making the test slow.
//
// On failure the seed and a description of the case (input, stages, consumer) are printed. To run
// one case alone, set WEIR_PROPERTY_SEED=<seed> (then each random test case runs only that seed).
//
// The parts: stream_property/case.hpp (drawing and describing a case), stage_functions.hpp
// (what the stages compute), pipeline.hpp (the real run) and model.hpp (the plain loop). Here:
// running and comparing a case, and the test cases.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"
#include "stream_property/case.hpp"
#include "stream_property/model.hpp"
#include "stream_property/pipeline.hpp"
#include "stream_property/stage_functions.hpp"

using namespace std::chrono_literals;
using weir_test::workers;
namespace ws = weir::stream;

namespace {

// ---- running and comparing one case (on the test's thread) ----

void check_case(weir::runtime& rt, const case_spec& c, std::uint64_t seed) {
    INFO("seed " << seed << " (rerun alone with WEIR_PROPERTY_SEED=" << seed << ")");
    INFO("pipeline:\n  " << describe(c));

    std::vector<std::atomic<std::size_t>> counters(static_cast<std::size_t>(c.counters));
    outcome got;
    std::string error;
    try {
        got = rt.block_on(run_real(c, counters.data()));
    } catch (const std::exception& e) {
        error = e.what();
    } catch (...) {
        error = "unknown exception";
    }
    if (!error.empty()) FAIL("the pipeline threw: " << error);

    // The plain loop: the model's items, then the consumer as a loop over them.
    model_result lazy = run_model(c, false);
    model_result eager = run_model(c, true);
    std::vector<int> want = lazy.items;
    switch (c.cons) {
        case consumer::collect: {
            std::vector<int> items = got.items;
            if (!c.ordered) {
                std::sort(items.begin(), items.end());
                std::sort(want.begin(), want.end());
            }
            REQUIRE(items == want);
            break;
        }
        case consumer::count:
            REQUIRE(got.count == want.size());
            break;
        case consumer::sum: {
            int total = 0;
            for (int x : want) total += x;
            REQUIRE(got.sum == total);
            break;
        }
        case consumer::fold: {
            std::uint64_t acc = 0;
            for (int x : want) acc = c.ordered ? fold_ordered(acc, x) : fold_commutative(acc, x);
            REQUIRE(got.fold == acc);
            break;
        }
    }
    for (std::size_t i = 0; i < counters.size(); ++i) {
        std::size_t calls = counters[i].load();
        std::size_t least = lazy.calls[i];
        std::size_t most = eager.calls[i];
        INFO("inspect counter" << i << ": " << calls << " calls, the model allows [" << least
                               << ", " << most << "]");
        REQUIRE(least <= calls);
        REQUIRE(calls <= most);
    }
}

/// Runs `count` random cases with seeds base, base + 1, ...; or only WEIR_PROPERTY_SEED if set.
void run_random_cases(weir::runtime& rt, std::uint64_t base, std::uint64_t count) {
    if (const char* one = std::getenv("WEIR_PROPERTY_SEED")) {
        std::uint64_t seed = std::strtoull(one, nullptr, 10);
        check_case(rt, random_case(seed), seed);
        return;
    }
    for (std::uint64_t i = 0; i < count; ++i) check_case(rt, random_case(base + i), base + i);
}

}  // namespace

TEST_CASE("stream_property_random_pipelines_agree_with_a_plain_loop_on_two_workers",
          "[stream][property]") {
    weir::runtime rt{workers(2)};
    run_random_cases(rt, 20240001, 800);
}

TEST_CASE("stream_property_random_pipelines_agree_with_a_plain_loop_on_one_worker",
          "[stream][property]") {
    weir::runtime rt{workers(1)};
    run_random_cases(rt, 90210001, 400);
}

TEST_CASE("stream_property_every_stage_over_an_empty_input_agrees_with_the_loop",
          "[stream][property]") {
    weir::runtime rt{workers(2)};
    // Each stage alone, with each consumer.
    for (int k = 0; k < op_count; ++k)
        for (int cons = 0; cons < 4; ++cons) {
            case_spec c;
            c.stages.push_back(fixed_stage(static_cast<op>(k), 1, c.counters));
            c.ordered = static_cast<op>(k) != op::buffer_unordered;
            c.cons = static_cast<consumer>(cons);
            c.fold_as_task = cons % 2 == 0;
            check_case(rt, c, 0);
        }
    // Every stage in one pipeline: the order-dependent ones first, then buffer_unordered last.
    for (int cons = 0; cons < 4; ++cons) {
        case_spec c;
        for (int k = 0; k < op_count; ++k)
            if (static_cast<op>(k) != op::buffer_unordered)
                c.stages.push_back(fixed_stage(static_cast<op>(k), 2, c.counters));
        c.stages.push_back(fixed_stage(op::buffer_unordered, 2, c.counters));
        c.ordered = false;
        c.cons = static_cast<consumer>(cons);
        check_case(rt, c, 0);
    }
}

TEST_CASE("stream_property_every_stage_alone_agrees_with_the_loop_on_small_inputs",
          "[stream][property]") {
    // Lengths around the stages' boundaries (take/skip counts, chunk sizes, zip's other length)
    // with each parameter variant, each consumer, on both runtimes.
    weir::runtime two{workers(2)};
    weir::runtime one{workers(1)};
    for (int k = 0; k < op_count; ++k)
        for (int variant = 0; variant < 4; ++variant)
            for (int len = 0; len <= 5; ++len) {
                case_spec c;
                for (int i = 0; i < len; ++i) c.input.push_back(3 * i - 4);
                // inspect before the stage sees exactly what the stage pulls (after a buffer,
                // within its bounds).
                c.stages.push_back(fixed_stage(op::inspect, 0, c.counters));
                c.stages.push_back(fixed_stage(static_cast<op>(k), variant, c.counters));
                c.ordered = static_cast<op>(k) != op::buffer_unordered;
                c.cons = static_cast<consumer>((len + variant) % 4);
                c.fold_as_task = variant % 2 == 0;
                c.fold_level = variant % 3;
                check_case(len % 2 ? one : two, c, 0);
            }
}

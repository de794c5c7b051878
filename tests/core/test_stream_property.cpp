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

using namespace std::chrono_literals;
using weir_test::workers;
namespace ws = weir::stream;

namespace {

// ---- portable randomness ----

std::uint64_t mix(std::uint64_t z) {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

struct rng {
    std::uint64_t state;
    std::uint64_t next() { return mix(state++); }
    /// Uniform enough in [lo, hi] (both included).
    int range(int lo, int hi) {
        return lo + static_cast<int>(next() % static_cast<std::uint64_t>(hi - lo + 1));
    }
    bool chance(int num, int den) {
        return next() % static_cast<std::uint64_t>(den) < static_cast<std::uint64_t>(num);
    }
};

// ---- the stages' functions, shared by the real pipeline and the model ----

int floor_mod(int x, int m) {
    int r = x % m;
    return r < 0 ? r + m : r;
}
int affine(int x, int a, int b) { return (a * x + b) % 1000; }
bool keep(int x, int m, int r) { return floor_mod(x, m) < r; }
std::optional<int> pick(int x, int m, int a) {
    if (floor_mod(x, m) == 0) return std::nullopt;
    return (2 * x - a) % 1000;
}
bool before_stop(int x, int m, int r) { return floor_mod(x, m) != r; }
std::optional<int> running_sum(int& acc, int x, int limit) {
    acc += x;
    if (acc > limit || acc < -limit) return std::nullopt;
    return acc;
}
int pair_back(int a, int b) { return (a + 3 * b) % 1000; }
int vec_sum(const std::vector<int>& v) {
    int t = 0;
    for (int x : v) t += x;
    return t;
}
std::uint64_t fold_ordered(std::uint64_t acc, int x) {
    return acc * 1000003ULL + static_cast<std::uint64_t>(static_cast<std::int64_t>(x));
}
std::uint64_t fold_commutative(std::uint64_t acc, int x) {
    return acc + mix(static_cast<std::uint64_t>(static_cast<std::int64_t>(x)));
}

/// Suspends for some items: level 0 never; level 1 yields for 1/8 of the items and sleeps 1 ms
/// for 1/64; level 2 yields for 1/2 and sleeps for 1/32. Which items is fixed by (x, salt).
weir::task<void> maybe_suspend(int x, int level, std::uint32_t salt) {
    if (level == 0) co_return;
    std::uint64_t h =
        mix((static_cast<std::uint64_t>(salt) << 32) ^ static_cast<std::uint32_t>(x)) % 64;
    bool sleep = level == 1 ? h == 0 : h < 2;
    bool yield = level == 1 ? h < 9 : h < 34;
    if (sleep)
        co_await weir::sleep(1ms);
    else if (yield)
        co_await weir::yield_now();
}

weir::task<int> affine_task(int x, int a, int b, int level, std::uint32_t salt) {
    co_await maybe_suspend(x, level, salt);
    co_return affine(x, a, b);
}
weir::task<bool> keep_task(int x, int m, int r, int level, std::uint32_t salt) {
    co_await maybe_suspend(x, level, salt);
    co_return keep(x, m, r);
}
weir::task<std::optional<int>> pick_task(int x, int m, int a, int level, std::uint32_t salt) {
    co_await maybe_suspend(x, level, salt);
    co_return pick(x, m, a);
}
weir::task<bool> before_stop_task(int x, int m, int r, int level, std::uint32_t salt) {
    co_await maybe_suspend(x, level, salt);
    co_return before_stop(x, m, r);
}
// acc is the scan's state, which lives in the scan stage while this task runs.
weir::task<std::optional<int>> running_sum_task(int& acc, int x, int limit, int level,
                                                std::uint32_t salt) {
    co_await maybe_suspend(x, level, salt);
    co_return running_sum(acc, x, limit);
}
weir::task<std::uint64_t> fold_task(std::uint64_t acc, int x, bool ordered, int level,
                                    std::uint32_t salt) {
    co_await maybe_suspend(x, level, salt);
    co_return ordered ? fold_ordered(acc, x) : fold_commutative(acc, x);
}

// ---- a case ----

enum class op {
    map,               // map(x -> affine)
    buffered,          // map(x -> task affine).buffered(n)
    buffer_unordered,  // map(x -> task affine).buffer_unordered(n)
    spawn_buffered,    // map(x -> task affine).spawn_buffered(n)
    then,              // then(x -> task affine)
    filter,            // filter(keep) with a bool or task<bool> predicate
    filter_map,        // filter_map(pick), sync or task
    take,              // take(n)
    skip,              // skip(n)
    take_while,        // take_while(before_stop), sync or task
    chunks_flatten,    // chunks(n).flatten()
    chunks_sum,        // chunks(n).map(sum)
    scan,              // scan(0, running_sum up to a limit), sync or task
    inspect,           // inspect(count calls)
    zip,               // zip(iter(other)).map(pair_back)
};
constexpr int op_count = 15;

bool keeps_order_insensitivity(op k) {
    switch (k) {
        case op::map:
        case op::buffered:
        case op::buffer_unordered:
        case op::spawn_buffered:
        case op::then:
        case op::filter:
        case op::filter_map:
        case op::chunks_flatten:
        case op::inspect:
            return true;
        default:
            return false;
    }
}

struct stage {
    op k = op::map;
    int a = 0, b = 0;  // affine coefficients; modulus and residue; limit
    int n = 1;         // buffer size, chunk size, take/skip count
    bool as_task = false;
    int level = 0;  // suspension level of its tasks
    std::uint32_t salt = 0;
    int counter = -1;        // inspect: index of its counter
    std::vector<int> other;  // zip: the other stream's items
};

enum class consumer { collect, count, sum, fold };

struct case_spec {
    std::vector<int> input;
    std::vector<stage> stages;
    consumer cons = consumer::collect;
    bool fold_as_task = false;
    int fold_level = 0;
    std::uint32_t fold_salt = 0;
    int counters = 0;
    bool ordered = true;  // false once a buffer_unordered has run
};

std::string show(const std::vector<int>& v) {
    std::ostringstream o;
    o << "[";
    for (std::size_t i = 0; i < v.size(); ++i) o << (i ? ", " : "") << v[i];
    o << "]";
    return o.str();
}

std::string describe(const stage& s) {
    std::ostringstream o;
    auto task_info = [&] { o << ", suspend level " << s.level << ", salt " << s.salt; };
    auto affine_text = [&] { o << "(" << s.a << "*x + " << s.b << ") % 1000"; };
    switch (s.k) {
        case op::map:
            o << "map(x -> ";
            affine_text();
            o << ")";
            break;
        case op::buffered:
        case op::buffer_unordered:
        case op::spawn_buffered:
            o << "map(x -> task ";
            affine_text();
            task_info();
            o << ")."
              << (s.k == op::buffered           ? "buffered"
                  : s.k == op::buffer_unordered ? "buffer_unordered"
                                                : "spawn_buffered")
              << "(" << s.n << ")";
            break;
        case op::then:
            o << "then(x -> task ";
            affine_text();
            task_info();
            o << ")";
            break;
        case op::filter:
            o << "filter(" << (s.as_task ? "task " : "") << "floor_mod(x, " << s.a << ") < " << s.b;
            if (s.as_task) task_info();
            o << ")";
            break;
        case op::filter_map:
            o << "filter_map(" << (s.as_task ? "task " : "") << "floor_mod(x, " << s.a
              << ") == 0 ? nullopt : (2*x - " << s.b << ") % 1000";
            if (s.as_task) task_info();
            o << ")";
            break;
        case op::take:
            o << "take(" << s.n << ")";
            break;
        case op::skip:
            o << "skip(" << s.n << ")";
            break;
        case op::take_while:
            o << "take_while(" << (s.as_task ? "task " : "") << "floor_mod(x, " << s.a
              << ") != " << s.b;
            if (s.as_task) task_info();
            o << ")";
            break;
        case op::chunks_flatten:
            o << "chunks(" << s.n << ").flatten()";
            break;
        case op::chunks_sum:
            o << "chunks(" << s.n << ").map(sum)";
            break;
        case op::scan:
            o << "scan(0, " << (s.as_task ? "task " : "") << "acc += x; |acc| > " << s.a
              << " ? nullopt : acc";
            if (s.as_task) task_info();
            o << ")";
            break;
        case op::inspect:
            o << "inspect(++counter" << s.counter << ")";
            break;
        case op::zip:
            o << "zip(iter(" << show(s.other) << ")).map((a, b) -> (a + 3*b) % 1000)";
            break;
    }
    return o.str();
}

std::string describe(const case_spec& c) {
    std::ostringstream o;
    o << "iter(" << show(c.input) << ")";
    bool ordered = true;
    for (const stage& s : c.stages) {
        o << "\n  ." << describe(s);
        if (ordered && s.k == op::buffer_unordered) {
            o << "   [order lost from here]";
            ordered = false;
        }
    }
    o << "\n  .";
    switch (c.cons) {
        case consumer::collect:
            o << "collect()" << (c.ordered ? "" : "   [compared as a multiset]");
            break;
        case consumer::count:
            o << "count()";
            break;
        case consumer::sum:
            o << "sum()";
            break;
        case consumer::fold:
            o << "fold(0, " << (c.fold_as_task ? "task " : "")
              << (c.ordered ? "acc*1000003 + x" : "acc + mix(x) (commutative)");
            if (c.fold_as_task) o << ", suspend level " << c.fold_level << ", salt " << c.fold_salt;
            o << ")";
            break;
    }
    return o.str();
}

stage random_stage(rng& r, op k) {
    stage s;
    s.k = k;
    s.salt = static_cast<std::uint32_t>(r.next());
    s.level = r.range(0, 2);
    auto count = [&] { return r.chance(1, 2) ? r.range(0, 5) : r.range(0, 45); };
    switch (k) {
        case op::map:
        case op::buffered:
        case op::buffer_unordered:
        case op::spawn_buffered:
        case op::then:
            s.a = r.range(-3, 3);
            s.b = r.range(-20, 20);
            s.n = r.range(1, 8);
            break;
        case op::filter:
            s.a = r.range(2, 5);
            s.b = r.range(1, s.a - 1);
            s.as_task = r.chance(1, 2);
            break;
        case op::filter_map:
            s.a = r.range(2, 5);
            s.b = r.range(-10, 10);
            s.as_task = r.chance(1, 2);
            break;
        case op::take:
            s.n = count();
            break;
        case op::skip:
            s.n = r.chance(3, 4) ? r.range(0, 5) : r.range(0, 45);
            break;
        case op::take_while:
            s.a = r.range(3, 12);
            s.b = r.range(0, s.a - 1);
            s.as_task = r.chance(1, 2);
            break;
        case op::chunks_flatten:
        case op::chunks_sum:
            s.n = r.range(1, 8);
            break;
        case op::scan:
            s.a = r.chance(1, 2) ? r.range(0, 100) : r.range(100, 3000);
            s.as_task = r.chance(1, 2);
            break;
        case op::inspect:
            break;
        case op::zip: {
            int len = count();
            for (int i = 0; i < len; ++i) s.other.push_back(r.range(-50, 50));
            break;
        }
    }
    return s;
}

case_spec random_case(std::uint64_t seed) {
    rng r{mix(seed)};
    case_spec c;
    int len = r.chance(1, 10) ? 0 : r.range(0, 40);
    for (int i = 0; i < len; ++i) c.input.push_back(r.range(-50, 50));
    int stages = r.range(1, 5);
    for (int i = 0; i < stages; ++i) {
        op k;
        do {
            k = static_cast<op>(r.range(0, op_count - 1));
        } while (!c.ordered && !keeps_order_insensitivity(k));
        stage s = random_stage(r, k);
        if (k == op::inspect) s.counter = c.counters++;
        if (k == op::buffer_unordered) c.ordered = false;
        c.stages.push_back(std::move(s));
    }
    c.cons = static_cast<consumer>(r.range(0, 3));
    c.fold_as_task = r.chance(1, 2);
    c.fold_level = r.range(0, 2);
    c.fold_salt = static_cast<std::uint32_t>(r.next());
    return c;
}

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

// ---- the model: a synchronous pull chain, one plain loop per stage ----

struct node {
    virtual ~node() = default;
    /// The next item, or nullopt; like the streams, a stage that has ended stays ended.
    std::optional<int> next() {
        if (ended) return std::nullopt;
        std::optional<int> v = produce();
        if (!v) ended = true;
        return v;
    }

protected:
    virtual std::optional<int> produce() = 0;
    bool ended = false;
};
using node_ptr = std::unique_ptr<node>;

struct source_node : node {
    const std::vector<int>& v;
    std::size_t i = 0;
    explicit source_node(const std::vector<int>& items) : v(items) {}
    std::optional<int> produce() override {
        if (i == v.size()) return std::nullopt;
        return v[i++];
    }
};

/// map and then: each item becomes f(x).
struct map_node : node {
    node_ptr up;
    std::function<int(int)> f;
    std::optional<int> produce() override {
        std::optional<int> v = up->next();
        if (!v) return std::nullopt;
        return f(*v);
    }
};

/// buffered, buffer_unordered, spawn_buffered: in the model the results keep input order (after
/// buffer_unordered only order-insensitive stages follow). Lazy: pulls one item per item given.
/// Eager: before giving an item, fills its n slots (the item being given counts as one), which is
/// the most the real buffers may have pulled (see the file comment).
struct buffer_node : node {
    node_ptr up;
    std::function<int(int)> f;
    std::size_t n = 1;
    bool eager = false;
    std::deque<int> slots;
    bool up_done = false;
    std::optional<int> produce() override {
        std::size_t want = eager ? n : 1;
        while (slots.size() < want && !up_done) {
            std::optional<int> v = up->next();
            if (!v)
                up_done = true;
            else
                slots.push_back(f(*v));
        }
        if (slots.empty()) return std::nullopt;
        int x = slots.front();
        slots.pop_front();
        return x;
    }
};

struct filter_node : node {
    node_ptr up;
    std::function<std::optional<int>(int)> f;  // filter and filter_map
    std::optional<int> produce() override {
        for (;;) {
            std::optional<int> v = up->next();
            if (!v) return std::nullopt;
            if (std::optional<int> out = f(*v)) return out;
        }
    }
};

struct take_node : node {
    node_ptr up;
    std::size_t left = 0;
    std::optional<int> produce() override {
        if (left == 0) return std::nullopt;  // without pulling the upstream
        --left;
        return up->next();
    }
};

struct skip_node : node {
    node_ptr up;
    std::size_t n = 0;
    bool skipped = false;
    std::optional<int> produce() override {
        if (!skipped) {
            skipped = true;
            for (std::size_t i = 0; i < n; ++i)
                if (!up->next()) return std::nullopt;
        }
        return up->next();
    }
};

struct take_while_node : node {
    node_ptr up;
    std::function<bool(int)> p;
    std::optional<int> produce() override {
        std::optional<int> v = up->next();
        if (!v || !p(*v)) return std::nullopt;
        return v;
    }
};

/// chunks(n).flatten() and chunks(n).map(sum).
struct chunks_node : node {
    node_ptr up;
    std::size_t n = 1;
    bool sum = false;
    std::deque<int> pending;  // flatten: the rest of the current chunk
    bool short_tail = false;  // the last chunk was short: chunks has ended
    std::optional<std::vector<int>> next_chunk() {
        if (short_tail) return std::nullopt;
        std::vector<int> chunk;
        while (chunk.size() < n) {
            std::optional<int> v = up->next();
            if (!v) break;
            chunk.push_back(*v);
        }
        if (chunk.empty()) return std::nullopt;
        if (chunk.size() < n) short_tail = true;
        return chunk;
    }
    std::optional<int> produce() override {
        if (sum) {
            std::optional<std::vector<int>> c = next_chunk();
            if (!c) return std::nullopt;
            return vec_sum(*c);
        }
        if (pending.empty()) {
            std::optional<std::vector<int>> c = next_chunk();
            if (!c) return std::nullopt;
            pending.assign(c->begin(), c->end());
        }
        int x = pending.front();
        pending.pop_front();
        return x;
    }
};

struct scan_node : node {
    node_ptr up;
    int acc = 0;
    int limit = 0;
    std::optional<int> produce() override {
        std::optional<int> v = up->next();
        if (!v) return std::nullopt;
        return running_sum(acc, *v, limit);
    }
};

struct inspect_node : node {
    node_ptr up;
    std::size_t* calls = nullptr;
    std::optional<int> produce() override {
        std::optional<int> v = up->next();
        if (v) ++*calls;
        return v;
    }
};

struct zip_node : node {
    node_ptr up;
    const std::vector<int>* other = nullptr;
    std::size_t i = 0;
    std::optional<int> produce() override {
        std::optional<int> x = up->next();  // this stream first
        if (!x) return std::nullopt;
        if (i == other->size()) return std::nullopt;
        return pair_back(*x, (*other)[i++]);
    }
};

template <class N>
std::unique_ptr<N> over(node_ptr up) {
    auto p = std::make_unique<N>();
    p->up = std::move(up);
    return p;
}

node_ptr model_stage(node_ptr up, const stage& st, bool eager, std::vector<std::size_t>& calls) {
    const int a = st.a, b = st.b;
    switch (st.k) {
        case op::map:
        case op::then: {
            auto p = over<map_node>(std::move(up));
            p->f = [=](int x) { return affine(x, a, b); };
            return p;
        }
        case op::buffered:
        case op::buffer_unordered:
        case op::spawn_buffered: {
            auto p = over<buffer_node>(std::move(up));
            p->f = [=](int x) { return affine(x, a, b); };
            p->n = static_cast<std::size_t>(st.n);
            p->eager = eager;
            return p;
        }
        case op::filter: {
            auto p = over<filter_node>(std::move(up));
            p->f = [=](int x) { return keep(x, a, b) ? std::optional<int>(x) : std::nullopt; };
            return p;
        }
        case op::filter_map: {
            auto p = over<filter_node>(std::move(up));
            p->f = [=](int x) { return pick(x, a, b); };
            return p;
        }
        case op::take: {
            auto p = over<take_node>(std::move(up));
            p->left = static_cast<std::size_t>(st.n);
            return p;
        }
        case op::skip: {
            auto p = over<skip_node>(std::move(up));
            p->n = static_cast<std::size_t>(st.n);
            return p;
        }
        case op::take_while: {
            auto p = over<take_while_node>(std::move(up));
            p->p = [=](int x) { return before_stop(x, a, b); };
            return p;
        }
        case op::chunks_flatten:
        case op::chunks_sum: {
            auto p = over<chunks_node>(std::move(up));
            p->n = static_cast<std::size_t>(st.n);
            p->sum = st.k == op::chunks_sum;
            return p;
        }
        case op::scan: {
            auto p = over<scan_node>(std::move(up));
            p->limit = a;
            return p;
        }
        case op::inspect: {
            auto p = over<inspect_node>(std::move(up));
            p->calls = &calls[static_cast<std::size_t>(st.counter)];
            return p;
        }
        case op::zip: {
            auto p = over<zip_node>(std::move(up));
            p->other = &st.other;
            return p;
        }
    }
    throw std::logic_error("unknown stage");
}

struct model_result {
    std::vector<int> items;
    std::vector<std::size_t> calls;  // per inspect
};

model_result run_model(const case_spec& c, bool eager) {
    model_result r;
    r.calls.assign(static_cast<std::size_t>(c.counters), 0);
    node_ptr s = std::make_unique<source_node>(c.input);
    for (const stage& st : c.stages) s = model_stage(std::move(s), st, eager, r.calls);
    while (std::optional<int> v = s->next()) r.items.push_back(*v);
    return r;
}

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

/// One stage of kind k with fixed, middling parameters (for the deterministic tests).
stage fixed_stage(op k, int variant, int& counters) {
    stage s;
    s.k = k;
    s.level = variant % 3;
    s.salt = 0x5eed0000u + static_cast<std::uint32_t>(variant);
    s.as_task = variant % 2 == 1;
    switch (k) {
        case op::map:
        case op::buffered:
        case op::buffer_unordered:
        case op::spawn_buffered:
        case op::then:
            s.a = 2 - variant;
            s.b = 3;
            s.n = 1 + 2 * variant;
            break;
        case op::filter:
            s.a = 3;
            s.b = 1 + variant % 2;
            break;
        case op::filter_map:
            s.a = 2 + variant;
            s.b = 1;
            break;
        case op::take:
        case op::skip:
            s.n = variant;
            break;
        case op::take_while:
            s.a = 4;
            s.b = variant;
            break;
        case op::chunks_flatten:
        case op::chunks_sum:
            s.n = 1 + variant;
            break;
        case op::scan:
            s.a = 5 * variant;
            break;
        case op::inspect:
            s.counter = counters++;
            break;
        case op::zip:
            for (int i = 0; i < 2 * variant; ++i) s.other.push_back(i - 1);
            break;
    }
    return s;
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

// A case of the stream property test: its input, its stages (op: which adapter; stage: with
// which parameters) and its consumer, drawn from one 64-bit seed by a portable generator
// (splitmix64 and plain modulo, not <random>'s distributions, so that a seed means the same
// case natively and under Emscripten's libc++), or built with fixed parameters for the
// deterministic tests; and its description, printed when the case fails.
//
// Part of test_stream_property.cpp, which alone includes it: its names are in that file's
// anonymous namespace, which a unity batch shares with three other test files, so they must
// stay unique among the test files.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

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

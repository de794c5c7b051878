// The model of a stream property case: one small synchronous pull chain, a plain loop per stage
// with the semantics each stage's header comment gives, run on the test's thread. Lazy like
// the streams, it pulls no more than a correct stream must; run eager, every buffer fills its
// n slots before handing an item out, which is the most a real buffer may have pulled. The
// real inspect counts must lie between the two (test_stream_property.cpp says why).
//
// Part of test_stream_property.cpp, which alone includes it: its names are in that file's
// anonymous namespace, which a unity batch shares with three other test files, so they must
// stay unique among the test files.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

#include "case.hpp"
#include "stage_functions.hpp"

namespace {

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

}  // namespace

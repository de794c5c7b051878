// Helpers shared by the trace tests (test_trace*.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <thread>
#include <weir/weir.hpp>

namespace weir_test {

// A worker's poll ends in the trace where the worker records what it does next (its park,
// its next poll), which may come after block_on has returned: takes (while tracing is on)
// until every poll begun in the log has ended, or 10 s have passed.
inline weir::trace::log take_settled(weir::runtime& rt) {
    using namespace std::chrono_literals;
    weir::trace::log l = rt.take_trace();
    auto open_polls = [&] {
        std::map<std::int32_t, int> depth;
        for (const auto& e : l.events) {
            if (e.k == weir::trace::kind::poll_begin) ++depth[e.worker];
            if (e.k == weir::trace::kind::poll_end) --depth[e.worker];
        }
        for (const auto& [w, d] : depth)
            if (d > 0) return true;
        return false;
    };
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (open_polls() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(1ms);
        weir::trace::append(l, rt.take_trace());
    }
    return l;
}

}  // namespace weir_test

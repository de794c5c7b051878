// trace::summarize: per-task polls and busy / scheduled / idle time, folded from a log's events
// in one pass (a task's state: running since, runnable since).
#include <algorithm>
#include <unordered_map>

#include "weir/trace.hpp"

namespace weir::trace {

std::vector<task_summary> summarize(const log& l) {
    struct state {
        std::size_t index;
        std::uint64_t first = 0, last = 0;
        std::uint64_t running_since = 0, runnable_since = 0;
        bool running = false, runnable = false;
    };
    std::vector<task_summary> out;
    std::unordered_map<std::uint64_t, state> st;
    std::uint64_t end = l.events.empty() ? 0 : l.events.back().ts_ns;
    auto get = [&](const event& e) -> state& {
        auto [it, fresh] = st.try_emplace(e.task, state{out.size()});
        if (fresh) {
            out.push_back(task_summary{});
            out.back().task = e.task;
            it->second.first = e.ts_ns;
        }
        it->second.last = e.ts_ns;
        return it->second;
    };
    for (const event& e : l.events) {
        if (e.task == 0) continue;
        switch (e.k) {
            case kind::spawn: {
                state& s = get(e);
                out[s.index].name = e.name;
                out[s.index].location = e.location;
                s.runnable = true;  // a spawned task is queued at once
                s.runnable_since = e.ts_ns;
                break;
            }
            case kind::wake: {
                state& s = get(e);
                if (!s.running && !s.runnable) {
                    s.runnable = true;
                    s.runnable_since = e.ts_ns;
                }
                break;
            }
            case kind::poll_begin: {
                state& s = get(e);
                task_summary& t = out[s.index];
                ++t.polls;
                if (s.runnable && e.ts_ns >= s.runnable_since)
                    t.scheduled_ns += e.ts_ns - s.runnable_since;
                s.runnable = false;
                s.running = true;
                s.running_since = e.ts_ns;
                break;
            }
            case kind::poll_end: {
                state& s = get(e);
                if (s.running && e.ts_ns >= s.running_since)
                    out[s.index].busy_ns += e.ts_ns - s.running_since;
                s.running = false;
                break;
            }
            case kind::finish: {
                state& s = get(e);
                out[s.index].finished = true;
                break;
            }
            default:
                get(e);
                break;
        }
    }
    for (auto& [id, s] : st) {
        task_summary& t = out[s.index];
        std::uint64_t stop = t.finished ? s.last : end;
        if (s.running && stop >= s.running_since) t.busy_ns += stop - s.running_since;
        std::uint64_t life = stop >= s.first ? stop - s.first : 0;
        std::uint64_t accounted = t.busy_ns + t.scheduled_ns;
        t.idle_ns = life > accounted ? life - accounted : 0;
    }
    return out;
}

}  // namespace weir::trace

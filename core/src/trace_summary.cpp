// trace::summarize: per-task polls, busy / scheduled / idle time and wake-ups, folded from a
// log's events in one pass (a task's state: running since, runnable since); and
// trace::warnings, tokio-console's lints over those figures.
#include <algorithm>
#include <cstdio>
#include <string>
#include <unordered_map>

#include "task_label.hpp"
#include "weir/trace.hpp"

namespace weir::trace {

std::vector<task_summary> summarize(const log& l) {
    struct state {
        std::size_t index;
        std::uint64_t first = 0, last = 0;
        std::uint64_t running_since = 0, runnable_since = 0, ended = 0;
        bool running = false, runnable = false, polled = false;
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
                if (s.polled) ++out[s.index].wakes;  // not its first scheduling
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
                s.polled = true;
                if (e.a == 1) {  // it requeued itself at the end of its last run: runnable since
                    ++t.self_wakes;
                    if (!s.runnable && s.ended) {
                        s.runnable = true;
                        s.runnable_since = s.ended;
                    }
                }
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
                s.ended = e.ts_ns;
                break;
            }
            case kind::finish: {
                state& s = get(e);
                out[s.index].finished = true;
                break;
            }
            case kind::lost_waker: {
                state& s = get(e);
                out[s.index].lost_waker = true;
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

std::vector<task_warning> warnings(const log& l, const warning_limits& limits) {
    std::vector<task_warning> out;
    auto who = [&](const task_summary& t) {
        auto text = [&](std::uint32_t i) -> std::string_view {
            return i && i < l.names.size() ? std::string_view(l.names[i]) : std::string_view();
        };
        return detail::task_label(t.task, text(t.name), text(t.location));
    };
    for (const task_summary& t : summarize(l)) {
        if (t.lost_waker)
            out.push_back({task_warning::kind::lost_waker, t.task,
                           who(t) + " lost its waker: what it waited on was destroyed while it "
                                    "waited"});
        if (t.wakes + t.self_wakes >= limits.min_wakes &&
            t.self_wake_ratio() > limits.self_wake_ratio) {
            char pct[16];
            std::snprintf(pct, sizeof pct, "%.0f%%", t.self_wake_ratio() * 100);
            out.push_back({task_warning::kind::self_wakes, t.task,
                           who(t) + " woke itself for " + pct + " of its " +
                               std::to_string(t.wakes + t.self_wakes) +
                               " wake-ups (yields or a spent budget): it may be busy-polling"});
        }
    }
    return out;
}

}  // namespace weir::trace

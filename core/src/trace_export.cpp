// trace::to_chrome_json: a trace::log as Chrome trace-event JSON, the format ui.perfetto.dev and
// chrome://tracing read. Layout (one process, "weir runtime"):
//   * a track (tid) per worker, named "worker N", and one more, "other threads";
//   * each run of a task is a complete slice ("X": ts + dur) named after the task, from its
//     poll_begin to its poll_end on that worker; a park is a slice "parked";
//   * a wake-up is a flow arrow ("s" -> "f") from where it happened (inside the waking task's
//     slice, or a marker slice on "other threads") to the woken task's next run, and so is a
//     spawn, to the spawned task's first run; a steal is an
//     arrow from the victim's track to the thief's run of the stolen task. An arrow is written
//     only once both ends are known, so every "s" has its "f";
//   * spawns, timer firings, I/O completions and finishes are instant events ("i");
//   * the runnable tasks of each worker, sampled at the runs that read the clock, are a counter
//     ("C"), as are, per named stream stage, the items in and out so far, the tasks in flight of
//     buffered stages, and the items queued in each named channel;
//   * a lost waker is an instant event on the track where it was found.
// Events are sorted by timestamp at the end, so every track is monotonic.
#include <algorithm>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include "weir/trace.hpp"

namespace weir::trace {

namespace {

void escape_into(std::string& out, const std::string& s) {
    for (char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
}

std::string us(std::uint64_t ns) {  // trace-event timestamps are microseconds
    char buf[32];
    std::snprintf(buf, sizeof buf, "%llu.%03llu", static_cast<unsigned long long>(ns / 1000),
                  static_cast<unsigned long long>(ns % 1000));
    return buf;
}

struct out_event {
    std::uint64_t ts;
    std::uint64_t seq;  // keeps the order of equal timestamps (an "s" before its "f")
    std::string json;
};

class writer {
public:
    explicit writer(const log& l) : l_(l), other_tid_(static_cast<std::int64_t>(l.workers)) {}

    std::string run() {
        std::unordered_map<std::int64_t, const event*> open_poll;  // tid -> its poll_begin
        std::unordered_map<std::int64_t, const event*> open_park;
        std::unordered_map<std::uint64_t, std::vector<const event*>> pending;  // task -> wakes
        std::uint64_t last_ts = l_.events.empty() ? 0 : l_.events.back().ts_ns;
        for (const event& e : l_.events) {
            std::int64_t tid = tid_of(e.worker);
            switch (e.k) {
                case kind::spawn: {
                    std::string args =
                        "\"task\":" + std::to_string(e.task) + ",\"parent\":" + std::to_string(e.a);
                    if (e.location) args += ",\"spawned at\":\"" + esc(l_.names[e.location]) + "\"";
                    instant(e, tid, "spawn " + task_name(e), args);
                    if (e.name) names_[e.task] = e.name;
                    pending[e.task].push_back(&e);  // an arrow to its first run
                    break;
                }
                case kind::poll_begin: {
                    open_poll[tid] = &e;
                    if (e.b)
                        counter(e, tid, "runnable on worker " + std::to_string(tid), "tasks",
                                e.b - 1);
                    auto it = pending.find(e.task);
                    if (it != pending.end()) {
                        for (const event* w : it->second) flow(*w, e, tid);
                        pending.erase(it);
                    }
                    break;
                }
                case kind::poll_end: {
                    auto it = open_poll.find(tid);
                    if (it == open_poll.end() || it->second->task != e.task) break;  // began before
                    slice(*it->second, e.ts_ns, tid, task_name(*it->second), "task");
                    open_poll.erase(it);
                    break;
                }
                case kind::wake:
                    if (e.b) break;  // a task requeuing itself (yield, spent budget): no arrow
                    pending[e.task].push_back(&e);
                    break;
                case kind::steal:
                    pending[e.task].push_back(&e);
                    break;
                case kind::park:
                    open_park[tid] = &e;
                    break;
                case kind::unpark: {
                    auto it = open_park.find(tid);
                    if (it == open_park.end()) break;
                    slice(*it->second, e.ts_ns, tid, "parked", "park");
                    open_park.erase(it);
                    break;
                }
                case kind::timer_fired:
                    instant(e, tid, "timer fired", "\"task\":" + std::to_string(e.task));
                    break;
                case kind::io_completed:
                    instant(e, tid, "I/O completed",
                            "\"task\":" + std::to_string(e.task) +
                                ",\"result\":" + std::to_string(static_cast<std::int64_t>(e.a)));
                    break;
                case kind::finish:
                    instant(e, tid, "finish " + task_name(e), "\"task\":" + std::to_string(e.task));
                    break;
                case kind::lost_waker:
                    instant(e, tid, "lost waker " + task_name(e),
                            "\"task\":" + std::to_string(e.task) + ",\"waited on\":\"" +
                                esc(l_.names[e.name]) + "\"");
                    break;
                case kind::stage_in:
                    counter(e, tid, "stage " + esc(l_.names[e.name]) + ": items in", "items", e.b);
                    break;
                case kind::stage_out:
                    counter(e, tid, "stage " + esc(l_.names[e.name]) + ": items out", "items", e.b);
                    break;
                case kind::stage_in_flight:
                    counter(e, tid, esc(l_.names[e.name]) + ": tasks in flight", "tasks", e.b);
                    break;
                case kind::channel_depth:
                    counter(e, tid, "channel " + esc(l_.names[e.name]) + ": items queued", "items",
                            e.b);
                    break;
            }
        }
        // Runs still going when the trace was taken end at its last event.
        for (auto& [tid, b] : open_poll) slice(*b, last_ts, tid, task_name(*b), "task");
        for (auto& [tid, b] : open_park) slice(*b, last_ts, tid, "parked", "park");

        std::stable_sort(out_.begin(), out_.end(), [](const out_event& x, const out_event& y) {
            return x.ts != y.ts ? x.ts < y.ts : x.seq < y.seq;
        });
        std::string s = "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
        s += "{\"ph\":\"M\",\"pid\":1,\"tid\":0,\"name\":\"process_name\",\"args\":{\"name\":"
             "\"weir runtime\"}}";
        for (std::int64_t t = 0; t <= other_tid_; ++t) {
            std::string n = t < other_tid_ ? "worker " + std::to_string(t) : "other threads";
            s += ",\n{\"ph\":\"M\",\"pid\":1,\"tid\":" + std::to_string(t) +
                 ",\"name\":\"thread_name\",\"args\":{\"name\":\"" + n + "\"}}";
            s += ",\n{\"ph\":\"M\",\"pid\":1,\"tid\":" + std::to_string(t) +
                 ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":" + std::to_string(t) +
                 "}}";
        }
        for (const out_event& o : out_) {
            s += ",\n";
            s += o.json;
        }
        s += "\n],\"otherData\":{\"dropped_events\":" + std::to_string(l_.dropped) + "}}\n";
        return s;
    }

private:
    std::int64_t tid_of(std::int32_t w) const { return w < 0 ? other_tid_ : w; }
    std::string esc(const std::string& s) const {
        std::string o;
        escape_into(o, s);
        return o;
    }
    std::string task_name(const event& e) {
        std::uint32_t n = e.name;
        if (!n) {
            auto it = names_.find(e.task);
            if (it != names_.end()) n = it->second;
        }
        if (n) return esc(l_.names[n]) + " #" + std::to_string(e.task);
        return "task #" + std::to_string(e.task);
    }
    std::string head(const char* ph, std::uint64_t ts, std::int64_t tid, const std::string& name,
                     const char* cat) {
        return std::string("{\"ph\":\"") + ph + "\",\"pid\":1,\"tid\":" + std::to_string(tid) +
               ",\"ts\":" + us(ts) + ",\"name\":\"" + name + "\",\"cat\":\"" + cat + "\"";
    }
    void push(std::uint64_t ts, std::string json) { out_.push_back({ts, seq_++, std::move(json)}); }

    void slice(const event& b, std::uint64_t end, std::int64_t tid, const std::string& name,
               const char* cat) {
        std::uint64_t dur = end > b.ts_ns ? end - b.ts_ns : 0;
        push(b.ts_ns, head("X", b.ts_ns, tid, name, cat) + ",\"dur\":" + us(dur) +
                          ",\"args\":{\"task\":" + std::to_string(b.task) + "}}");
    }
    void instant(const event& e, std::int64_t tid, const std::string& name,
                 const std::string& args) {
        push(e.ts_ns,
             head("i", e.ts_ns, tid, name, "event") + ",\"s\":\"t\",\"args\":{" + args + "}}");
    }
    /// A counter sample (track: its name, escaped; a counter track belongs to the process).
    void counter(const event& e, std::int64_t tid, const std::string& track, const char* arg,
                 std::uint64_t v) {
        push(e.ts_ns, "{\"ph\":\"C\",\"pid\":1,\"tid\":" + std::to_string(tid) +
                          ",\"ts\":" + us(e.ts_ns) + ",\"name\":\"" + track + "\",\"args\":{\"" +
                          arg + "\":" + std::to_string(v) + "}}");
    }
    /// An arrow from a wake (or steal) to the run it led to.
    void flow(const event& from, const event& to, std::int64_t to_tid) {
        bool steal = from.k == kind::steal;
        std::int64_t from_tid = steal                   ? static_cast<std::int64_t>(from.a)
                                : from.k == kind::spawn ? tid_of(from.worker)
                                : from.a                ? static_cast<std::int64_t>(from.a) - 1
                                                        : other_tid_;
        const char* name = steal ? "steal" : from.k == kind::spawn ? "spawn" : "wake";
        std::uint64_t id = ++flow_id_;
        if (from_tid == other_tid_ || steal) {
            // No slice of the waker encloses this point: a marker slice anchors the arrow.
            push(from.ts_ns, head("X", from.ts_ns, from_tid, name, "flow-anchor") +
                                 ",\"dur\":0,\"args\":{\"task\":" + std::to_string(from.task) +
                                 "}}");
        }
        push(from.ts_ns,
             head("s", from.ts_ns, from_tid, name, "flow") + ",\"id\":" + std::to_string(id) + "}");
        push(to.ts_ns, head("f", to.ts_ns, to_tid, name, "flow") + ",\"id\":" + std::to_string(id) +
                           ",\"bp\":\"e\"}");
    }

    const log& l_;
    std::int64_t other_tid_;
    std::vector<out_event> out_;
    std::uint64_t seq_ = 0;
    std::uint64_t flow_id_ = 0;
    std::unordered_map<std::uint64_t, std::uint32_t> names_;  // task -> name, from its spawn
};

}  // namespace

std::string to_chrome_json(const log& l) { return writer(l).run(); }

}  // namespace weir::trace

// trace::install_session and the per-runtime recorder it gives every runtime made while it is
// installed: tracing from the start, a thread draining every 2 ms (so the rings never fill), and
// at the runtime's end one log and the last metrics handed to the session's collect.
#include "trace_session.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "scheduler.hpp"

namespace weir::trace {

namespace {
std::mutex session_lock;
std::optional<session>& current() {
    static std::optional<session> s;
    return s;
}
}  // namespace

void install_session(session s) {
    std::lock_guard<std::mutex> g(session_lock);
    current() = std::move(s);
}
void remove_session() {
    std::lock_guard<std::mutex> g(session_lock);
    current().reset();
}

void append(log& into, log&& more) {
    if (into.names.empty()) into.names.emplace_back();
    std::unordered_map<std::string, std::uint32_t> index;
    for (std::uint32_t i = 0; i < into.names.size(); ++i) index.emplace(into.names[i], i);
    std::vector<std::uint32_t> map(more.names.size(), 0);
    for (std::uint32_t i = 1; i < more.names.size(); ++i) {
        auto [it, fresh] =
            index.try_emplace(more.names[i], static_cast<std::uint32_t>(into.names.size()));
        if (fresh) into.names.push_back(more.names[i]);
        map[i] = it->second;
    }
    into.events.reserve(into.events.size() + more.events.size());
    for (event e : more.events) {
        e.name = e.name < map.size() ? map[e.name] : 0;
        e.location = e.location < map.size() ? map[e.location] : 0;
        into.events.push_back(e);
    }
    into.dropped += more.dropped;
    into.workers = std::max(into.workers, more.workers);
}

}  // namespace weir::trace

namespace weir::detail {

std::size_t session_workers() {
    std::lock_guard<std::mutex> g(trace::session_lock);
    return trace::current() ? trace::current()->workers : 0;
}

session_recorder* session_recorder::start_if_installed(runtime_core* rt) {
    std::optional<trace::session> s;
    {
        std::lock_guard<std::mutex> g(trace::session_lock);
        s = trace::current();
    }
    if (!s || !s->collect) return nullptr;
    return new session_recorder(rt, std::move(*s));
}

session_recorder::session_recorder(runtime_core* rt, trace::session s) : rt_(rt), s_(std::move(s)) {
    // 2^19 words (4 MiB) per worker: a worker polling a yielding task every 35 ns writes a
    // ninth of it between two collections, 2 ms apart (5 ms lost events on a busy 2-core
    // machine, where the collecting thread waits for a core).
    rt_->start_tracing(std::size_t(1) << 19);
    // The thread only moves words out of the rings (collect_trace: about 9 ns per word, against 70
    // ns per event to decode); the events are decoded once, at the end. Decoding as it went
    // (take_trace every 2 ms) cost a busy 2-core machine a third of its events, dropped while the
    // reader fell behind.
    // The event-loop build has no thread to drain with: the rings hold what they can (2^19
    // words each) and the end takes it, counting what a full ring dropped.
    if (rt_->on_event_loop()) return;
    drain_ = std::thread([this] {
        std::uint64_t words = 0;
        while (!stop_.load()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            words += rt_->collect_trace();
            if (s_.progress) s_.progress(words);
        }
    });
}

void session_recorder::drain_once(trace::log& chunk) {
    rt_->take_trace(chunk);
    trace::append(all_, std::move(chunk));
}

void session_recorder::finish() noexcept {
    stop_ = true;
    if (drain_.joinable()) drain_.join();
    try {
        rt_->stop_tracing();  // first: the last take then bounds the held-back polls too
        trace::log last;
        drain_once(last);
        runtime_metrics m = rt_->metrics();
        s_.collect(std::move(all_), m);
    } catch (...) {
        // A collector that throws loses its trace; the runtime still shuts down.
    }
}

}  // namespace weir::detail

// runtime::watch's thread (watcher.hpp explains the sampling).
#include "watcher.hpp"

#include <algorithm>
#include <string>

#include "scheduler.hpp"
#include "task_label.hpp"

namespace weir::detail {

watcher::watcher(runtime_core* rt, watch_options o, bool threaded) : rt_(rt), o_(std::move(o)) {
    if (threaded) thread_ = std::thread([this] { loop(); });
}

watcher::~watcher() {
    {
        std::lock_guard<std::mutex> g(m_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void watcher::deliver(const warning& x) noexcept {
    try {
        o_.on_warning(x);
    } catch (...) {
        // A throwing callback loses its warning; the watcher goes on.
    }
}

void watcher::report_run(std::uint64_t id, const char* name, const char* file, unsigned line,
                         std::int64_t ran_ns) {
    auto running =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds(ran_ns));
    if (std::chrono::nanoseconds(ran_ns) < o_.stall_threshold) return;
    warning x;
    x.what = warning::kind::stalled_task;
    x.task = id;
    x.worker = 0;
    x.name = name ? name : "";
    x.location = spawn_location(file, line);
    x.running_for = running;
    x.message = task_label(id, x.name, x.location) + " ran for " + std::to_string(running.count()) +
                " ms without yielding: it held the event loop that long";
    deliver(x);
}

void watcher::deliver_posted() {
    std::vector<warning> posted;
    {
        std::lock_guard<std::mutex> g(m_);
        posted.swap(posted_);
    }
    for (const warning& x : posted) deliver(x);
}

void watcher::post(warning w) {
    {
        std::lock_guard<std::mutex> g(m_);
        posted_.push_back(std::move(w));
    }
    cv_.notify_all();
}

void watcher::loop() {
    using clock = std::chrono::steady_clock;
    struct seen {
        std::uint64_t task = 0, polls = 0;
        clock::time_point since;
        bool reported = false;
    };
    std::vector<seen> w(rt_->worker_count());
    auto period = std::max(std::chrono::milliseconds(1), o_.stall_threshold / 4);
    std::unique_lock<std::mutex> lk(m_);
    auto deliver = [&](const warning& x) {  // with lk held; released around on_warning
        lk.unlock();
        try {
            o_.on_warning(x);
        } catch (...) {
            // A throwing callback loses its warning; the watcher goes on.
        }
        lk.lock();
    };
    auto next_sample = clock::now() + period;
    for (;;) {
        cv_.wait_until(lk, next_sample, [this] { return stop_ || !posted_.empty(); });
        if (stop_) return;
        std::vector<warning> posted;
        posted.swap(posted_);
        for (const warning& x : posted) deliver(x);
        auto now = clock::now();
        if (now < next_sample) continue;
        next_sample = now + period;
        for (std::size_t i = 0; i < w.size(); ++i) {
            std::uint64_t id = rt_->running_on(i);
            std::uint64_t polls = rt_->polls_of(i);
            seen& s = w[i];
            if (id == 0 || id != s.task || polls != s.polls) {
                s = seen{id, polls, now, false};
                continue;
            }
            auto running = std::chrono::duration_cast<std::chrono::milliseconds>(now - s.since);
            if (s.reported || running < o_.stall_threshold) continue;
            warning x;
            if (!rt_->describe_task(id, x.name, x.location)) continue;  // just finished
            s.reported = true;
            x.what = warning::kind::stalled_task;
            x.task = id;
            x.worker = i;
            x.running_for = running;
            x.message = task_label(id, x.name, x.location) + " has run for " +
                        std::to_string(running.count()) + " ms on worker " + std::to_string(i) +
                        " without yielding: it blocks that worker";
            deliver(x);
        }
    }
}

}  // namespace weir::detail

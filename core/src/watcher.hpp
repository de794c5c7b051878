// The thread behind runtime::watch (weir/watch.hpp). Every quarter threshold (at least 1 ms) it
// reads, per worker, the id of the task being run and the number of runs started: the same id
// and the same count as before means the same run is still going. Once that has lasted the
// threshold, the task's name and location are read under its registry shard's lock (so it cannot
// be freed meanwhile) and reported, once per run. Warnings found by other threads (lost wakers)
// are posted to it and reported by it, so that on_warning runs on one thread only.
// In the event-loop build there is no thread to sample with: the runtime's slice checks the
// length of each run after it ends (report_run), and posted warnings wait for the end of the
// slice (deliver_posted); on_warning then runs on the host's thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "weir/watch.hpp"

namespace weir::detail {

class runtime_core;

class watcher {
public:
    /// threaded: sample from a thread of its own (false: the event-loop mode above).
    watcher(runtime_core* rt, watch_options o, bool threaded = true);
    ~watcher();
    watcher(const watcher&) = delete;
    /// Hands a warning seen by another thread (a lost waker) to the watcher's thread, which
    /// reports it at once: on_warning is only ever called from there.
    void post(warning w);
    /// Event-loop mode: a run of task `id` that took ran_ns ended; reports it if that is past
    /// the threshold.
    void report_run(std::uint64_t id, const char* name, const char* file, unsigned line,
                    std::int64_t ran_ns);
    /// Event-loop mode: reports what was posted since the last call.
    void deliver_posted();

private:
    void deliver(const warning& x) noexcept;
    void loop();

    runtime_core* rt_;
    watch_options o_;
    std::mutex m_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::vector<warning> posted_;  // under m_
    std::thread thread_;
};

}  // namespace weir::detail

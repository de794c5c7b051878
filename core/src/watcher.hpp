// The thread behind runtime::watch (weir/watch.hpp). Every quarter threshold (at least 1 ms) it
// reads, per worker, the id of the task being run and the number of runs started: the same id
// and the same count as before means the same run is still going. Once that has lasted the
// threshold, the task's name and location are read under its registry shard's lock (so it cannot
// be freed meanwhile) and reported, once per run. Warnings found by other threads (lost wakers)
// are posted to it and reported by it, so that on_warning runs on one thread only.
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
    watcher(runtime_core* rt, watch_options o);
    ~watcher();
    watcher(const watcher&) = delete;
    /// Hands a warning seen by another thread (a lost waker) to the watcher's thread, which
    /// reports it at once: on_warning is only ever called from there.
    void post(warning w);

private:
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

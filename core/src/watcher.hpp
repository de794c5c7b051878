// The thread behind runtime::watch (weir/watch.hpp). Every quarter threshold (at least 1 ms) it
// reads, per worker, the id of the task being run and the number of runs started: the same id
// and the same count as before means the same run is still going. Once that has lasted the
// threshold, the task's name and location are read under its registry shard's lock (so it cannot
// be freed meanwhile) and reported, once per run.
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

private:
    void loop();

    runtime_core* rt_;
    watch_options o_;
    std::mutex m_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace weir::detail

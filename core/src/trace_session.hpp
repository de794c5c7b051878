// The recorder that trace::install_session gives every runtime made while a session is
// installed (see trace_session.cpp).
#pragma once

#include <atomic>
#include <mutex>
#include <thread>

#include "weir/trace.hpp"

namespace weir::detail {

class runtime_core;

/// The worker count the installed session asks for (0: none installed, or no preference).
std::size_t session_workers();

class session_recorder {
public:
    /// A recorder for rt if a session is installed, else null.
    static session_recorder* start_if_installed(runtime_core* rt);
    /// Before the runtime shuts down: stops draining, takes the rest, hands everything over.
    void finish() noexcept;

private:
    session_recorder(runtime_core* rt, trace::session s);
    void drain_once(trace::log& chunk);

    runtime_core* rt_;
    trace::session s_;
    trace::log all_;
    std::atomic<bool> stop_{false};
    std::thread drain_;
};

}  // namespace weir::detail

// The recording side of weir::trace that header-only code needs: the process-wide "is any runtime
// tracing" flag that every recording site checks first (one relaxed load, the whole cost of
// tracing while it is off), and the out-of-line recorders for events that happen in headers (an
// I/O completion, a task's name). core/src/tracer.hpp holds the rings.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

namespace weir::detail {

class runtime_core;

/// How many runtimes are tracing right now.
inline std::atomic<int> tracing_runtimes{0};
inline bool trace_any() noexcept { return tracing_runtimes.load(std::memory_order_relaxed) != 0; }

/// Records an I/O completion of task (id) on rt, if rt traces.
void trace_io_completed(runtime_core* rt, std::uint64_t task, std::int64_t result) noexcept;

/// A copy of name that lives as long as the process (task names outlive their tasks in traces
/// and dumps). The same text gives the same pointer. Called once per named spawn.
const char* intern_name(std::string_view name);

}  // namespace weir::detail

// The recording side of weir::trace that header-only code needs: the process-wide "is any runtime
// tracing" flag that every recording site checks first (one relaxed load, the whole cost of
// tracing while it is off), and the out-of-line recorders for events that happen in headers (an
// I/O completion, a task's name). core/src/tracer.hpp holds the rings.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

namespace weir::trace {
enum class kind : std::uint8_t;  // weir/trace.hpp
}

namespace weir::detail {

class runtime_core;

/// How many runtimes are tracing right now.
inline std::atomic<int> tracing_runtimes{0};
inline bool trace_any() noexcept { return tracing_runtimes.load(std::memory_order_relaxed) != 0; }

/// Records an I/O completion of task (id) on rt, if rt traces.
void trace_io_completed(runtime_core* rt, std::uint64_t task, std::int64_t result) noexcept;

/// Records an event of kind k (lost_waker, stage_in, stage_out, stage_in_flight or
/// channel_depth) with a name (a string that lives as long as the process: a literal or
/// intern_name's) and a count, for the task running on this thread, if its runtime traces.
void trace_named(trace::kind k, const char* name, std::uint64_t count) noexcept;
/// trace_named for code outside rt's tasks (bindings whose stream stages run in JavaScript):
/// recorded on rt's "other threads" track with the time of the call, no task.
void trace_named_from(runtime_core* rt, trace::kind k, const char* name,
                      std::uint64_t count) noexcept;

/// A copy of name that lives as long as the process (task names outlive their tasks in traces
/// and dumps). The same text gives the same pointer. Called once per named spawn.
const char* intern_name(std::string_view name);

}  // namespace weir::detail

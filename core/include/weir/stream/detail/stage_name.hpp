// The name of the stream stage being built (stream::stage sets it while its function builds the
// stage's adapters), for the adapters that report to the trace on their own: buffered,
// buffer_unordered, spawn_buffered and for_each_concurrent name their in-flight counter after the
// stage they are in. Read when the adapter is made, not when it runs.
#pragma once

namespace weir::stream::detail {

inline thread_local const char* building_stage = nullptr;

/// The stage being built, or the adapter's own name (a literal) outside any.
inline const char* stage_name_or(const char* adapter) noexcept {
    return building_stage ? building_stage : adapter;
}

}  // namespace weir::stream::detail

// How weir names a task to people: `task 12 "parser" spawned at main.cpp:40`, the same in stall
// and lost-waker warnings, task dumps and the trace's lints, so that a task can be found from any
// of them by searching for one string.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace weir::detail {

/// "file:line", or "" when the spawn's location is unknown (file null).
inline std::string spawn_location(const char* file, std::uint32_t line) {
    return file ? std::string(file) + ":" + std::to_string(line) : std::string();
}

/// `task ID "NAME" spawned at LOCATION`, leaving out an empty name or location.
inline std::string task_label(std::uint64_t id, std::string_view name, std::string_view location) {
    std::string s = "task " + std::to_string(id);
    if (!name.empty()) (s += " \"").append(name) += "\"";
    if (!location.empty()) (s += " spawned at ").append(location);
    return s;
}

}  // namespace weir::detail

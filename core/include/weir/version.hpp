// The library's version, for feature checks and bug reports.
#pragma once

#define WEIR_VERSION_MAJOR 0
#define WEIR_VERSION_MINOR 1
#define WEIR_VERSION_PATCH 0

namespace weir {
/// "major.minor.patch" of the weir headers in use.
inline constexpr const char* version = "0.1.0";
}  // namespace weir

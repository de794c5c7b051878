// weir_test::temp_path: the one helper of the tests that make files and Unix sockets. A header
// of its own, included where it is used, not in helpers.hpp: the event-loop build's tests/wasm
// sources include helpers.hpp, and std::filesystem's functions were not declared there.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace weir_test {

/// A fresh path in the temporary directory (nothing there yet), removed when the test ends: the
/// one helper of the tests that make files and Unix sockets. Unique in the process (a counter) and
/// across the ctest processes running at once (the clock's ticks); short enough for a Unix
/// socket's sun_path. In WebAssembly it names a path in Emscripten's in-memory file system.
class temp_path {
public:
    explicit temp_path(std::string_view suffix = "") {
        static std::atomic<int> n{0};
        auto stamp = std::chrono::system_clock::now().time_since_epoch().count();
        path =
            (std::filesystem::temp_directory_path() / ("weir-test-" + std::to_string(stamp) + "-" +
                                                       std::to_string(n++) + std::string(suffix)))
                .string();
        std::error_code ec;
        std::filesystem::remove(path, ec);
    }
    ~temp_path() {
        std::error_code ec;
        std::filesystem::remove(path, ec);
    }
    temp_path(const temp_path&) = delete;
    temp_path& operator=(const temp_path&) = delete;
    std::string path;
};

}  // namespace weir_test

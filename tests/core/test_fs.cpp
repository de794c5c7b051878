// weir::fs over the runtime's I/O backend: positional reads and writes of a 10 MB file checked
// byte for byte, read_all / write_all, clear errors, no helper thread left behind. Natively
// where an I/O backend exists.
#if defined(_WIN32)
#include <windows.h>
// After windows.h, which it needs.
#include <tlhelp32.h>
#endif

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <numeric>
#include <string>
#include <system_error>
#include <thread>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"
#include "temp_path.hpp"

using weir::fs::file;
using weir::fs::open_mode;
using weir_test::have_io;
using weir_test::workers;

namespace {

constexpr std::size_t total = 10 * 1024 * 1024;  // the 10 MB file
constexpr std::size_t chunk = 64 * 1024 + 123;   // uneven chunks

std::byte pattern(std::uint64_t i) { return static_cast<std::byte>((i * 2654435761u) >> 13); }

/// How many threads this process has, 0 where this file cannot tell.
std::size_t process_thread_count() {
#if defined(__linux__)
    std::error_code ec;
    std::size_t n = 0;
    for (std::filesystem::directory_iterator it("/proc/self/task", ec), end; !ec && it != end;
         it.increment(ec))
        ++n;
    return ec ? 0 : n;
#elif defined(_WIN32)
    HANDLE snap = ::CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
    if (snap == INVALID_HANDLE_VALUE) return 0;
    std::size_t n = 0;
    THREADENTRY32 e{};
    e.dwSize = sizeof e;
    for (BOOL ok = ::Thread32First(snap, &e); ok; ok = ::Thread32Next(snap, &e))
        n += e.th32OwnerProcessID == ::GetCurrentProcessId();
    ::CloseHandle(snap);
    return n;
#else
    return 0;
#endif
}
}  // namespace

TEST_CASE("fs_ten_megabytes_written_and_read_at_offsets_byte_for_byte", "[fs]") {
    weir::runtime rt{workers(2)};
    if (!have_io(rt)) return;
    weir_test::temp_path file_path("-10mb");
    const std::string& path = file_path.path;
    auto mismatches = rt.block_on([](std::string path) -> weir::task<std::size_t> {
        file f = co_await file::open(
            path, open_mode::read | open_mode::write | open_mode::create | open_mode::truncate);
        // Write the chunks in a scrambled order, several at once.
        std::vector<std::uint64_t> offsets;
        for (std::uint64_t o = 0; o < total; o += chunk) offsets.push_back(o);
        std::reverse(offsets.begin() + offsets.size() / 3, offsets.end());
        std::vector<weir::task<void>> writes;
        for (std::uint64_t o : offsets) {
            writes.push_back([](file& f, std::uint64_t o) -> weir::task<void> {
                std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk, total - o));
                std::vector<std::byte> data(n);
                for (std::size_t i = 0; i < n; ++i) data[i] = pattern(o + i);
                std::size_t done = 0;
                while (done < n)
                    done += co_await f.write_at(std::span(data).subspan(done), o + done);
            }(f, o));
        }
        co_await weir::join_all(std::move(writes));
        co_await f.sync();
        if (co_await f.size() != total) co_return total;
        // Read it back at offsets and compare every byte.
        std::size_t bad = 0;
        std::vector<std::byte> buf(chunk);
        for (std::uint64_t o = 0; o < total; o += chunk) {
            std::size_t n = co_await f.read_at(buf, o);
            for (std::size_t i = 0; i < n; ++i) bad += buf[i] != pattern(o + i);
            if (n != std::min<std::uint64_t>(chunk, total - o)) ++bad;
        }
        std::byte past[4];
        if (co_await f.read_at(past, total) != 0) ++bad;  // at the end: 0 bytes
        co_return bad;
    }(path));
    REQUIRE(mismatches == 0);
}

// The Asio driver runs syncs (on Linux all file calls) on helper threads of its own; shutdown
// must end them. This catches a pool that is never joined. (The Windows build once joined its
// pool with the wrong kind of join, so its threads outlived it briefly and crashed the process
// later; this count rarely sees that. The CTest asio_files_share_one_thread_type checks its cause.)
TEST_CASE("fs_sync_leaves_no_helper_thread_running_after_shutdown", "[fs]") {
    for (const char* backend : {"asio", ""}) {  // "": the automatic choice (io_uring on Linux)
        INFO("io_backend \"" << backend << "\"");
        auto o = workers(2);
        o.io_backend = backend;
        auto sync_once = [&o] {
            weir::runtime rt{o};
            if (!have_io(rt)) return false;
            weir_test::temp_path file_path("-sync");
            rt.block_on([](std::string path) -> weir::task<void> {
                file f = co_await file::open(path, open_mode::write | open_mode::create);
                std::vector<std::byte> data(1000, std::byte{1});
                co_await f.write_at(data, 0);
                co_await f.sync();
                co_await f.close();
            }(file_path.path));
            return true;
        };
        try {
            // Once first: threads that start with a process's first thread and live as long as
            // it (TSan's background thread) are then in both counts.
            if (!sync_once()) continue;
        } catch (const std::system_error&) {
            continue;  // no such driver in this build
        }
        std::size_t before = process_thread_count();
        if (before == 0) return;  // no way to count threads here
        sync_once();
        // A joined thread is gone, but the OS may list it a moment longer: count until it is
        // not, for up to 10 s (a pass takes no wait at all).
        auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        std::size_t after = process_thread_count();
        while (after > before && std::chrono::steady_clock::now() < give_up) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            after = process_thread_count();
        }
        INFO("threads before " << before << ", after " << after);
        CHECK(after <= before);
    }
}

TEST_CASE("fs_read_all_and_write_all_round_trip", "[fs]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    weir_test::temp_path file_path("-all");
    const std::string& path = file_path.path;
    std::vector<std::byte> data(300'000);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = pattern(i);
    auto back = rt.block_on(
        [](std::string p, std::vector<std::byte> d) -> weir::task<std::vector<std::byte>> {
            co_await weir::fs::write_all(p, d);
            co_return co_await weir::fs::read_all(p);
        }(path, data));
    REQUIRE(back == data);
}

TEST_CASE("fs_open_errors_name_the_path_and_carry_the_os_error", "[fs]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    try {
        rt.block_on(file::open("/nonexistent-dir/weir/x", open_mode::read));
        FAIL("opened a missing file");
    } catch (const std::system_error& e) {
        REQUIRE(e.code() == std::errc::no_such_file_or_directory);
        REQUIRE(std::string(e.what()).find("/nonexistent-dir/weir/x") != std::string::npos);
    }
    REQUIRE_THROWS_AS(
        rt.block_on(file::open(weir_test::temp_path("-nomode").path, open_mode::create)),
        std::invalid_argument);
}

// weir::fs over the runtime's I/O backend: positional reads and writes of a 10 MB file checked
// byte for byte, read_all / write_all, clear errors. Natively where an I/O backend exists.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <string>
#include <system_error>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using weir::fs::file;
using weir::fs::open_mode;
using weir_test::have_io;
using weir_test::workers;

namespace {
std::string temp_path(const char* name) {
    // TMPDIR on POSIX, GetTempPath on Windows.
    auto file = std::string("weir-test-") + name + "-" +
                std::to_string(reinterpret_cast<std::uintptr_t>(&temp_path) % 100000);
    return (std::filesystem::temp_directory_path() / file).string();
}

constexpr std::size_t total = 10 * 1024 * 1024;  // the 10 MB file
constexpr std::size_t chunk = 64 * 1024 + 123;   // uneven chunks

std::byte pattern(std::uint64_t i) { return static_cast<std::byte>((i * 2654435761u) >> 13); }
}  // namespace

TEST_CASE("fs_ten_megabytes_written_and_read_at_offsets_byte_for_byte", "[fs]") {
    weir::runtime rt{workers(2)};
    if (!have_io(rt)) return;
    std::string path = temp_path("10mb");
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
    std::remove(path.c_str());
    REQUIRE(mismatches == 0);
}

TEST_CASE("fs_read_all_and_write_all_round_trip", "[fs]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    std::string path = temp_path("all");
    std::vector<std::byte> data(300'000);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = pattern(i);
    auto back = rt.block_on(
        [](std::string p, std::vector<std::byte> d) -> weir::task<std::vector<std::byte>> {
            co_await weir::fs::write_all(p, d);
            co_return co_await weir::fs::read_all(p);
        }(path, data));
    std::remove(path.c_str());
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
    REQUIRE_THROWS_AS(rt.block_on(file::open(temp_path("nomode"), open_mode::create)),
                      std::invalid_argument);
}

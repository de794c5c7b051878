// weir::fs metadata: fs::metadata(path), fs::symlink_metadata(path) and file::metadata() give a
// file's type, size, times and permissions, and errors that name the path. Natively where an
// I/O backend exists, under both Linux drivers and under Wine. Times are checked with a wide
// margin (within a minute of now) so that no test depends on timing.
#if defined(_WIN32)
#include <windows.h>
#endif

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using weir::fs::file;
using weir::fs::file_metadata;
using weir::fs::file_type;
using weir::fs::open_mode;
using weir_test::have_io;
using weir_test::workers;

namespace {
/// A fresh path in the temp directory (nothing there), removed with what it names at the end.
/// Named by the object's address and the clock: under Wine every process has the same addresses.
struct meta_temp_path {
    std::string path;
    explicit meta_temp_path(const char* name) {
        path = (std::filesystem::temp_directory_path() /
                (std::string("weir-meta-") + name + "-" +
                 std::to_string(reinterpret_cast<std::uintptr_t>(this) % 100000) + "-" +
                 std::to_string(std::chrono::system_clock::now().time_since_epoch().count())))
                   .string();
        cleanup();
    }
    ~meta_temp_path() { cleanup(); }
    void cleanup() {
        std::error_code ec;
        std::filesystem::permissions(path, std::filesystem::perms::owner_all,
                                     std::filesystem::perm_options::add, ec);  // a read-only one
        std::filesystem::remove_all(path, ec);
    }
};

/// True if t is within a minute of the system clock's now.
bool within_a_minute_of_now(std::chrono::system_clock::time_point t) {
    auto d = std::chrono::system_clock::now() - t;
    return d < std::chrono::minutes(1) && d > -std::chrono::minutes(1);
}

std::vector<std::byte> meta_bytes(std::size_t n) { return std::vector<std::byte>(n, std::byte{7}); }

/// Makes link a symbolic link to target; false where the platform or the user cannot (Windows
/// without the privilege or developer mode; Wine versions whose CreateSymbolicLinkW is a stub).
bool make_symlink(const std::string& target, const std::string& link) {
#if defined(_WIN32)
    // libstdc++'s std::filesystem::create_symlink is not implemented on mingw: ask Windows.
    auto wide = [](const std::string& s) { return std::filesystem::path(s).wstring(); };
    ::CreateSymbolicLinkW(wide(link).c_str(), wide(target).c_str(),
                          SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE);
    // Check the result rather than trust the return value (a stub may say it succeeded).
    DWORD attrs = ::GetFileAttributesW(wide(link).c_str());
    return attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_REPARSE_POINT);
#else
    std::error_code ec;
    std::filesystem::create_symlink(target, link, ec);
    return !ec;
#endif
}
}  // namespace

TEST_CASE("fs_metadata_of_a_file_gives_its_size_type_and_modification_time", "[fs]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    meta_temp_path p("file");
    auto m = rt.block_on([](std::string path) -> weir::task<file_metadata> {
        co_await weir::fs::write_all(path, meta_bytes(12345));
        co_return co_await weir::fs::metadata(path);
    }(p.path));
    CHECK(m.type() == file_type::regular);
    CHECK(m.is_file());
    CHECK_FALSE(m.is_directory());
    CHECK_FALSE(m.is_symlink());
    CHECK(m.size() == 12345);
    CHECK(within_a_minute_of_now(m.modified()));
    CHECK(within_a_minute_of_now(m.accessed()));
    CHECK_FALSE(m.readonly());
#if defined(_WIN32)
    CHECK_FALSE(m.mode().has_value());  // Windows has no POSIX permission bits
#else
    REQUIRE(m.mode().has_value());
    CHECK((*m.mode() & 0200) != 0);  // the owner may write (created 0644, less the umask)
    CHECK(*m.mode() <= 07777);       // permission bits only, no file type bits
#endif
}

TEST_CASE("fs_metadata_of_a_directory_says_directory", "[fs]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    meta_temp_path p("dir");
    std::filesystem::create_directory(p.path);
    auto [followed, itself] =
        rt.block_on([](std::string path) -> weir::task<std::pair<file_metadata, file_metadata>> {
            file_metadata a = co_await weir::fs::metadata(path);
            file_metadata b = co_await weir::fs::symlink_metadata(path);
            co_return std::pair(a, b);
        }(p.path));
    CHECK(followed.type() == file_type::directory);
    CHECK(followed.is_directory());
    CHECK_FALSE(followed.is_file());
    CHECK(within_a_minute_of_now(followed.modified()));
    CHECK(itself.type() == file_type::directory);  // not a link: the same answer
}

TEST_CASE("fs_metadata_of_a_missing_path_throws_not_found_naming_the_path", "[fs]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    meta_temp_path p("missing");
    for (bool follow : {true, false}) {
        INFO("follow " << follow);
        try {
            rt.block_on(follow ? weir::fs::metadata(p.path) : weir::fs::symlink_metadata(p.path));
            FAIL("metadata of a missing path");
        } catch (const std::system_error& e) {
            CHECK(e.code() == std::errc::no_such_file_or_directory);
            CHECK(std::string(e.what()).find(p.path) != std::string::npos);
        }
    }
}

TEST_CASE("fs_symlink_metadata_does_not_follow_the_link", "[fs]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    meta_temp_path target("target"), link("link"), dangling("dangling");
    rt.block_on(weir::fs::write_all(target.path, meta_bytes(777)));
    if (!make_symlink(target.path, link.path)) {
        // Windows gives symbolic links only to administrators or in developer mode, and some Wine
        // versions do not make them at all; Linux always can.
        WARN("cannot create a symbolic link here: skipped");
        return;
    }
    auto [followed, itself] =
        rt.block_on([](std::string path) -> weir::task<std::pair<file_metadata, file_metadata>> {
            file_metadata a = co_await weir::fs::metadata(path);
            file_metadata b = co_await weir::fs::symlink_metadata(path);
            co_return std::pair(a, b);
        }(link.path));
    CHECK(followed.type() == file_type::regular);
    CHECK(followed.size() == 777);
    CHECK(itself.type() == file_type::symlink);
    CHECK(itself.is_symlink());
    CHECK_FALSE(itself.is_file());

    // A dangling link: metadata cannot follow it (not found), symlink_metadata still sees it.
    if (!make_symlink(link.path + "-nowhere", dangling.path)) return;
    auto dangling_itself = rt.block_on(weir::fs::symlink_metadata(dangling.path));
    CHECK(dangling_itself.is_symlink());
    try {
        rt.block_on(weir::fs::metadata(dangling.path));
        FAIL("followed a dangling link");
    } catch (const std::system_error& e) {
        CHECK(e.code() == std::errc::no_such_file_or_directory);
    }
}

TEST_CASE("fs_file_metadata_matches_the_path_metadata_and_follows_writes", "[fs]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    meta_temp_path p("open");
    struct seen {
        file_metadata after_first, of_file, of_path;
    };
    auto s = rt.block_on([](std::string path) -> weir::task<seen> {
        file f = co_await file::open(path, open_mode::read | open_mode::write | open_mode::create);
        auto data = meta_bytes(100);
        std::size_t n = co_await f.write_at(data, 0);
        if (n != data.size()) throw std::runtime_error("short write");
        seen out;
        out.after_first = co_await f.metadata();
        n = co_await f.write_at(data, 1000);  // the file grows to 1100 bytes
        if (n != data.size()) throw std::runtime_error("short write");
        co_await f.sync();
        out.of_file = co_await f.metadata();
        out.of_path = co_await weir::fs::metadata(path);
        co_await f.close();
        co_return out;
    }(p.path));
    CHECK(s.after_first.size() == 100);
    CHECK(s.of_file.size() == 1100);
    CHECK(s.of_file.type() == file_type::regular);
    CHECK(s.of_path.type() == s.of_file.type());
    CHECK(s.of_path.size() == s.of_file.size());
    CHECK(s.of_path.modified() == s.of_file.modified());
    CHECK(s.of_path.readonly() == s.of_file.readonly());
    CHECK(s.of_path.mode() == s.of_file.mode());
    CHECK(within_a_minute_of_now(s.of_file.modified()));
}

TEST_CASE("fs_file_metadata_of_a_write_only_file_works", "[fs]") {
    // On Windows a handle opened only to write (or append) may not read attributes unless the
    // open asked for that too.
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    meta_temp_path p("writeonly");
    auto sizes =
        rt.block_on([](std::string path) -> weir::task<std::pair<std::uint64_t, std::uint64_t>> {
            auto data = meta_bytes(10);
            file w = co_await file::open(path, open_mode::write | open_mode::create);
            std::size_t n = co_await w.write_at(data, 0);
            if (n != 10) throw std::runtime_error("short write");
            file_metadata a = co_await w.metadata();
            co_await w.close();
            file ap = co_await file::open(path, open_mode::append);
            n = co_await ap.write_at(std::span(data).first(5), 0);  // appended: at 10
            if (n != 5) throw std::runtime_error("short write");
            file_metadata b = co_await ap.metadata();
            co_await ap.close();
            co_return std::pair(a.size(), b.size());
        }(p.path));
    CHECK(sizes.first == 10);
    CHECK(sizes.second == 15);
}

TEST_CASE("fs_file_metadata_of_a_closed_file_is_a_logic_error", "[fs]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    file closed;
    REQUIRE_THROWS_AS(rt.block_on(closed.metadata()), std::logic_error);
}

TEST_CASE("fs_metadata_of_a_read_only_file_says_read_only", "[fs]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    meta_temp_path p("readonly");
    rt.block_on(weir::fs::write_all(p.path, meta_bytes(10)));
    // 0444 on POSIX; on Windows libstdc++ sets FILE_ATTRIBUTE_READONLY (no write bit left).
    namespace sfs = std::filesystem;
    sfs::permissions(p.path,
                     sfs::perms::owner_read | sfs::perms::group_read | sfs::perms::others_read);
    auto m = rt.block_on(weir::fs::metadata(p.path));
    CHECK(m.readonly());
#if !defined(_WIN32)
    REQUIRE(m.mode().has_value());
    CHECK(*m.mode() == 0444);
#endif
}

TEST_CASE("fs_metadata_of_a_device_says_other", "[fs]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
#if defined(_WIN32)
    const std::string device = "NUL";  // a character device: GetFileType says FILE_TYPE_CHAR
#else
    const std::string device = "/dev/null";
#endif
    auto m = rt.block_on(weir::fs::metadata(device));
    CHECK(m.type() == file_type::other);
    CHECK_FALSE(m.is_file());
    CHECK_FALSE(m.is_directory());
}

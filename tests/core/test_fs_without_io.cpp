// weir::fs on a runtime without an I/O backend, and its value types, in every build, the
// WebAssembly event-loop one included (which has no I/O backend; scripts/lib/
// event_loop_name_coverage.py checks that every public name keeps a test that runs there).
#include "without_io.hpp"

using namespace weir_test::without_io;

TEST_CASE("fs_without_io_backend_reads_and_writes_fail_with_function_not_supported", "[fs]") {
    weir_test::scoped_env clear("WEIR_IO_BACKEND", nullptr);
    weir::runtime rt{pnw_no_io()};
    REQUIRE(std::string(rt.io_backend()) == weir_test::no_io_name());
    weir_test::temp_path tmp(".txt");
    static const std::string data = "weir";

    // write_all opens (write, create, truncate) on the blocking pool, then writes through the
    // driver: natively the open makes the file and the first write_at fails.
    pnw_failure w = pnw_fails(rt, weir::fs::write_all(tmp.path, weir_test::bytes_of(data)));
    pnw_check_unsupported(w, "file I/O is");
    if (pnw_os_io)
        CHECK(std::filesystem::file_size(tmp.path) == 0);  // created, nothing written
    else
        CHECK(pnw_says(w, "weir::fs::file::open " + tmp.path));

    // read_all: natively the open and the size work, the first read_at fails.
    pnw_failure r = pnw_fails(rt, weir::fs::read_all(tmp.path));
    pnw_check_unsupported(r, "file I/O is");
    if (!pnw_os_io) CHECK(pnw_says(r, "weir::fs::file::open " + tmp.path));

    // file::open, size and close run on the blocking pool and need no driver.
    auto open_and_size = [](std::string p) -> weir::task<std::string> {
        weir::fs::file f = co_await weir::fs::file::open(
            p, weir::fs::open_mode::read | weir::fs::open_mode::write);
        std::uint64_t n = co_await f.size();
        std::string seen = f.path() + " " + std::to_string(n);
        co_await f.close();
        co_return seen;
    };
    if (pnw_os_io) {
        std::string seen = rt.block_on(open_and_size(tmp.path));
        CHECK(seen == tmp.path + " 0");
    } else {
        pnw_check_unsupported(pnw_fails(rt, open_and_size(tmp.path)), "file I/O is");
    }

    // Reads and writes at offsets go through the driver.
    auto read_at_start = [](std::string p) -> weir::task<std::size_t> {
        weir::fs::file f = co_await weir::fs::file::open(p, weir::fs::open_mode::read);
        std::byte b[4];
        std::size_t n = co_await f.read_at(b, 0);
        co_return n;
    };
    pnw_check_unsupported(pnw_fails(rt, read_at_start(tmp.path)), "file I/O is");
    auto append_one = [](std::string p) -> weir::task<std::size_t> {
        weir::fs::file f = co_await weir::fs::file::open(p, weir::fs::open_mode::append);
        std::byte b[1] = {std::byte{'x'}};
        std::size_t n = co_await f.write_at(b, 0);
        co_return n;
    };
    pnw_check_unsupported(pnw_fails(rt, append_one(tmp.path)), "file I/O is");
    if (pnw_os_io) CHECK(std::filesystem::file_size(tmp.path) == 0);
}

TEST_CASE("fs_open_mode_flags_combine_and_a_file_that_is_not_open_refuses_io_with_logic_error",
          "[fs]") {
    constexpr auto rwc =
        weir::fs::open_mode::read | weir::fs::open_mode::write | weir::fs::open_mode::create;
    STATIC_REQUIRE(rwc & weir::fs::open_mode::write);
    CHECK(rwc & weir::fs::open_mode::read);
    CHECK(rwc & weir::fs::open_mode::create);
    CHECK_FALSE(rwc & weir::fs::open_mode::truncate);
    CHECK_FALSE(rwc & weir::fs::open_mode::append);
    const weir::fs::open_mode each[] = {weir::fs::open_mode::read, weir::fs::open_mode::write,
                                        weir::fs::open_mode::create, weir::fs::open_mode::truncate,
                                        weir::fs::open_mode::append};
    for (std::size_t i = 0; i < 5; ++i)  // five distinct flags
        for (std::size_t j = 0; j < 5; ++j) CHECK((each[i] & each[j]) == (i == j));

    weir::runtime rt{weir_test::workers(1)};
    // A mode without read, write or append is refused before anything is opened, everywhere.
    CHECK_THROWS_MATCHES(
        rt.block_on(weir::fs::file::open(
            "x.txt", weir::fs::open_mode::create | weir::fs::open_mode::truncate)),
        std::invalid_argument,
        Catch::Matchers::Message(
            "weir::fs::file::open x.txt: the mode must include read, write or append"));

    weir::fs::file f;  // not open: no path, and every call but close is a logic error
    CHECK(f.path().empty());
    std::byte b[1] = {};
    CHECK_THROWS_MATCHES(rt.block_on(f.read_at(b, 0)), std::logic_error,
                         Catch::Matchers::Message("weir::fs::file: the file is not open"));
    CHECK_THROWS_MATCHES(rt.block_on(f.write_at(b, 0)), std::logic_error,
                         Catch::Matchers::Message("weir::fs::file: the file is not open"));
    CHECK_THROWS_MATCHES(rt.block_on(f.size()), std::logic_error,
                         Catch::Matchers::Message("weir::fs::file::size: the file is not open"));
    CHECK_THROWS_MATCHES(
        rt.block_on(f.metadata()), std::logic_error,
        Catch::Matchers::Message("weir::fs::file::metadata: the file is not open"));
    CHECK_NOTHROW(rt.block_on(f.close()));  // nothing to close
    weir::fs::file g = std::move(f);
    CHECK_THROWS_AS(rt.block_on(g.sync()), std::logic_error);
}

TEST_CASE("fs_metadata_without_io_backend_stats_on_the_blocking_pool_natively", "[fs]") {
    weir_test::scoped_env clear("WEIR_IO_BACKEND", nullptr);
    weir::runtime rt{pnw_no_io()};
    REQUIRE(std::string(rt.io_backend()) == weir_test::no_io_name());
    weir_test::temp_path tmp(".txt");
    if (pnw_os_io) std::ofstream(tmp.path, std::ios::binary) << "hello";
    using both_t = std::pair<weir::fs::file_metadata, weir::fs::file_metadata>;
    auto stat_both = [](std::string p) -> weir::task<both_t> {
        weir::fs::file_metadata followed = co_await weir::fs::metadata(p);
        weir::fs::file_metadata itself = co_await weir::fs::symlink_metadata(p);
        co_return both_t{followed, itself};
    };
    if (pnw_os_io) {  // stat and lstat on the blocking pool: no I/O driver needed
        auto [m, s] = rt.block_on(stat_both(tmp.path));
        CHECK(m.type() == weir::fs::file_type::regular);
        CHECK(m.is_file());
        CHECK_FALSE(m.is_directory());
        CHECK_FALSE(m.is_symlink());
        CHECK(m.size() == 5);
        CHECK(m.modified() > std::chrono::system_clock::time_point{});
        CHECK_FALSE(m.readonly());
#if defined(_WIN32)
        CHECK_FALSE(m.mode().has_value());  // no POSIX bits on Windows
#else
        REQUIRE(m.mode().has_value());
        CHECK((*m.mode() & 0200) != 0);  // the owner may write
#endif
        CHECK(s.type() == weir::fs::file_type::regular);  // not a link: as metadata
        CHECK(s.size() == 5);
        std::string dir = std::filesystem::path(tmp.path).parent_path().string();
        weir::fs::file_metadata d = rt.block_on(weir::fs::metadata(dir));
        CHECK(d.type() == weir::fs::file_type::directory);
        CHECK(d.is_directory());
        std::string missing = tmp.path + ".missing";
        pnw_failure f = pnw_fails(rt, weir::fs::metadata(missing));
        CHECK(f.code == std::errc::no_such_file_or_directory);
        CHECK(pnw_says(f, "weir::fs::metadata " + missing));
        pnw_failure g = pnw_fails(rt, weir::fs::symlink_metadata(missing));
        CHECK(g.code == std::errc::no_such_file_or_directory);
        CHECK(pnw_says(g, "weir::fs::symlink_metadata " + missing));
    } else {  // no file I/O at all: each call names itself and the path
        pnw_failure f = pnw_fails(rt, weir::fs::metadata(tmp.path));
        pnw_check_unsupported(f, "file I/O is");
        CHECK(pnw_says(f, "weir::fs::metadata " + tmp.path));
        pnw_failure g = pnw_fails(rt, weir::fs::symlink_metadata(tmp.path));
        pnw_check_unsupported(g, "file I/O is");
        CHECK(pnw_says(g, "weir::fs::symlink_metadata " + tmp.path));
        pnw_check_unsupported(pnw_fails(rt, stat_both(tmp.path)), "file I/O is");
    }
}

TEST_CASE("fs_file_metadata_starts_empty_and_gives_back_the_fields_it_was_built_from", "[fs]") {
    using sys_clock = std::chrono::system_clock;
    weir::fs::file_metadata none;
    CHECK(none.type() == weir::fs::file_type::other);
    CHECK_FALSE(none.is_file());
    CHECK_FALSE(none.is_directory());
    CHECK_FALSE(none.is_symlink());
    CHECK(none.size() == 0);
    CHECK(none.modified() == sys_clock::time_point{});
    CHECK(none.accessed() == sys_clock::time_point{});
    CHECK_FALSE(none.readonly());
    CHECK_FALSE(none.mode().has_value());

    weir::fs::file_metadata::fields f;
    f.type = weir::fs::file_type::directory;
    f.size = 4096;
    f.modified = sys_clock::time_point(std::chrono::seconds(1700000000));
    f.accessed = sys_clock::time_point(std::chrono::seconds(1700000100));
    f.readonly = true;
    f.mode = 0755;
    weir::fs::file_metadata dir(f);
    CHECK(dir.type() == weir::fs::file_type::directory);
    CHECK(dir.is_directory());
    CHECK(dir.size() == 4096);
    CHECK(dir.modified() == sys_clock::time_point(std::chrono::seconds(1700000000)));
    CHECK(dir.accessed() == sys_clock::time_point(std::chrono::seconds(1700000100)));
    CHECK(dir.readonly());
    CHECK(dir.mode() == std::optional<std::uint32_t>(0755));

    // Each type answers to exactly one of is_file, is_directory, is_symlink; other to none.
    for (weir::fs::file_type t : {weir::fs::file_type::regular, weir::fs::file_type::directory,
                                  weir::fs::file_type::symlink, weir::fs::file_type::other}) {
        weir::fs::file_metadata::fields g;
        g.type = t;
        weir::fs::file_metadata m(g);
        CHECK(m.type() == t);
        CHECK(m.is_file() == (t == weir::fs::file_type::regular));
        CHECK(m.is_directory() == (t == weir::fs::file_type::directory));
        CHECK(m.is_symlink() == (t == weir::fs::file_type::symlink));
    }
}

// weir::fs on FIFOs (Linux): the files that show what regular files hide. Opening one blocks
// until its other end opens (so open must not run on a worker), it cannot seek (both drivers
// read and write it in order), and writing to one whose reader left raises SIGPIPE (which must
// not kill the process: both drivers give EPIPE).
#if defined(__linux__)

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <thread>
#include <weir/weir.hpp>

#include "helpers.hpp"

using namespace std::chrono_literals;
using weir::fs::file;
using weir::fs::open_mode;
using weir_test::bytes_of;
using weir_test::have_io;
using weir_test::open_fds;
using weir_test::workers;

namespace {

/// A FIFO in the temp directory, removed at the end of the scope.
struct temp_fifo {
    std::string path;
    explicit temp_fifo(const char* name) {
        path = (std::filesystem::temp_directory_path() /
                (std::string("weir-fifo-") + name + "-" + std::to_string(::getpid())))
                   .string();
        ::unlink(path.c_str());
        if (::mkfifo(path.c_str(), 0600) != 0)
            throw std::system_error(errno, std::system_category(), "mkfifo " + path);
    }
    ~temp_fifo() { ::unlink(path.c_str()); }
};

}  // namespace

TEST_CASE("fs_write_at_to_a_fifo_whose_reader_left_fails_with_broken_pipe", "[fs]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    temp_fifo fifo("pipe");
    int reader = ::open(fifo.path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    REQUIRE(reader >= 0);
    std::string got, error;
    rt.block_on(
        [](std::string path, int reader, std::string& got, std::string& error) -> weir::task<void> {
            file w = co_await file::open(path, open_mode::write);
            file r = co_await file::open(path, open_mode::read);
            // A FIFO cannot seek: the offsets are ignored, the bytes come in order.
            co_await w.write_at(bytes_of("hel"), 1000);
            co_await w.write_at(bytes_of("lo"), 0);
            std::byte buf[5];
            std::size_t n = 0;
            while (n < 5) n += co_await r.read_at(std::span(buf).subspan(n), 77);
            got.assign(reinterpret_cast<const char*>(buf), n);
            co_await r.close();
            ::close(reader);  // no reader left
            try {
                co_await w.write_at(bytes_of("x"), 0);
                error = "no error";
            } catch (const std::system_error& e) {
                error = e.code() == std::errc::broken_pipe ? "broken pipe" : e.what();
            }
        }(fifo.path, reader, got, error));
    CHECK(got == "hello");
    CHECK(error == "broken pipe");  // and the process is still alive: SIGPIPE did not kill it
}

TEST_CASE("fs_open_of_a_fifo_without_writer_holds_no_worker", "[fs]") {
    // One worker. A task opens a FIFO for reading, which blocks until a writer opens it, under a
    // 200 ms timeout; another task ticks a timer ten times. The writer opens only once both are
    // over (or after 20 s, so a broken build ends): if the open held the worker, the ticks could
    // not run and the timeout could not fire.
    int fds_before = open_fds();
    {
        weir::runtime rt{workers(1)};
        if (!have_io(rt)) return;
        temp_fifo fifo("open");
        std::atomic<bool> both_over{false}, opened_after{false};
        std::thread writer([&] {
            auto give_up = std::chrono::steady_clock::now() + 20s;
            while (!both_over.load() && std::chrono::steady_clock::now() < give_up)
                std::this_thread::sleep_for(1ms);
            opened_after = both_over.load();
            for (;;) {  // O_NONBLOCK: fails with ENXIO until the reader's open is under way
                int w = ::open(fifo.path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
                if (w >= 0) {
                    ::close(w);
                    return;
                }
                if (std::chrono::steady_clock::now() > give_up + 20s) return;
                std::this_thread::sleep_for(1ms);
            }
        });
        std::string outcome = rt.block_on(weir_test::on_worker(
            [](std::string path, std::atomic<bool>* over) -> weir::task<std::string> {
                auto ticker = weir::spawn([]() -> weir::task<void> {
                    for (int i = 0; i < 10; ++i) co_await weir::sleep(5ms);
                }());
                std::string r;
                try {
                    co_await weir::timeout(200ms, file::open(path, open_mode::read));
                    r = "opened";
                } catch (const weir::timed_out&) {
                    r = "timed out";
                }
                co_await ticker;
                over->store(true);
                co_return r;
            }(fifo.path, &both_over)));
        writer.join();
        CHECK(outcome == "timed out");
        CHECK(opened_after);  // the timeout and the ticks ran while the open was blocked
    }  // the runtime waits for the pool thread, whose open succeeded late: its handle is closed
    CHECK(open_fds() == fds_before);
}

TEST_CASE("runtime_shutdown_with_a_fifo_read_that_never_ends_finishes_and_reports_it", "[fs]") {
    // A FIFO with a writer that never writes: a read of it blocks for good. Under io_uring the
    // shutdown cancels it; under Asio it is a blocking call on a helper thread, which shutdown
    // waits for a bounded time (2 s) and then abandons, saying so on stderr. Then data comes: the
    // abandoned call ends into its own buffer, not into the frame the shutdown destroyed (ASan).
    temp_fifo fifo("stuck");
    int writer = ::open(fifo.path.c_str(), O_RDWR | O_CLOEXEC);  // a writer end, never written
    REQUIRE(writer >= 0);
    std::string backend, report;
    {
        // stderr into a file while the runtime shuts down, to read the report back.
        std::FILE* capture = std::tmpfile();
        REQUIRE(capture != nullptr);
        std::fflush(stderr);
        int saved = ::dup(2);
        bool ran = false;
        {
            weir::runtime rt{workers(1)};
            backend = rt.io_backend();
            if (have_io(rt)) {
                ran = true;
                std::atomic<bool> reading{false};
                rt.block_on(weir_test::on_worker(
                    [](std::string path, std::atomic<bool>* reading) -> weir::task<void> {
                        auto r = co_await file::open(path, open_mode::read);
                        auto h =
                            weir::spawn([](file f, std::atomic<bool>* reading) -> weir::task<void> {
                                std::byte buf[16];
                                reading->store(true);
                                co_await f.read_at(buf, 0);  // never ends by itself
                            }(std::move(r), reading));
                        while (!reading->load()) co_await weir::yield_now();
                        co_await weir::sleep(20ms);  // the read is submitted by now
                    }(fifo.path, &reading)));
                ::dup2(::fileno(capture), 2);
            }
        }  // the shutdown: it must end (a hang here is the defect)
        std::fflush(stderr);
        ::dup2(saved, 2);
        ::close(saved);
        std::rewind(capture);
        char line[512];
        while (std::fgets(line, sizeof line, capture)) report += line;
        std::fclose(capture);
        if (!ran) {
            ::close(writer);
            return;
        }
    }
    // Data for the abandoned call (Asio): it ends into the job's buffer and drops the result.
    CHECK(::write(writer, "x", 1) == 1);
    std::this_thread::sleep_for(50ms);  // time for it to run, so ASan would see a stray write
    ::close(writer);
    INFO("driver " << backend << ", stderr during shutdown: " << report);
    if (backend == "asio")
        CHECK(report.find("shut down with 1 blocking file operation") != std::string::npos);
    else
        CHECK(report.find("blocking file operation") == std::string::npos);
}

#endif

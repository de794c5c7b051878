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

#endif

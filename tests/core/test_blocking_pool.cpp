// The blocking pool behind spawn_blocking (core/src/blocking_pool.hpp): idle threads exit after
// the keep-alive, and a thread that cannot start is reported to spawn_blocking's caller or
// leaves the job to a running thread, never std::terminate.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>
#include <weir/weir.hpp>

#if defined(__linux__)
#include <unistd.h>  // getpid
#endif

#include "../../core/src/blocking_pool.hpp"
#include "helpers.hpp"

using namespace std::chrono_literals;

namespace {

/// For the scope, starting a pool thread fails as std::thread does when the system has no
/// thread left. Only the thread that calls spawn_blocking reads it (the pool's submit), after
/// the test handed it work: no race.
struct threads_cannot_start {
    decltype(weir::detail::start_blocking_thread) saved = weir::detail::start_blocking_thread;
    threads_cannot_start() {
        weir::detail::start_blocking_thread = [](std::function<void()>) -> std::thread {
            throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again),
                                    "test: no thread left");
        };
    }
    ~threads_cannot_start() { weir::detail::start_blocking_thread = saved; }
};

weir::runtime::options pool_options(std::chrono::nanoseconds keep_alive) {
    weir::runtime::options o = weir_test::workers(1);
    o.max_blocking_threads = 8;
    o.blocking_keep_alive = keep_alive;
    return o;
}

/// Polls rt's blocking_threads until it is n or `limit` passed; gives the last value.
std::size_t wait_for_blocking_threads(weir::runtime& rt, std::size_t n,
                                      std::chrono::milliseconds limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    std::size_t now = rt.metrics().blocking_threads;
    while (now != n && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(5ms);
        now = rt.metrics().blocking_threads;
    }
    return now;
}

/// Runs n blocking jobs that all wait for each other, so each has a thread of its own, and
/// gives rt's blocking_threads read while all n were running.
weir::task<std::size_t> occupy_threads(weir::runtime& rt, int n) {
    std::atomic<int> arrived{0};
    std::atomic<bool> release{false};
    auto job = [&arrived, &release] {
        arrived.fetch_add(1);
        auto until = std::chrono::steady_clock::now() + 10s;  // a bound on a hang only
        while (!release.load() && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(1ms);
    };
    std::vector<weir::task<void>> jobs;
    for (int i = 0; i < n; ++i) jobs.push_back(weir::spawn_blocking(job));
    while (arrived.load() < n) std::this_thread::sleep_for(1ms);  // block_on's own thread
    std::size_t seen = rt.metrics().blocking_threads;
    release = true;
    for (auto& j : jobs) co_await std::move(j);
    co_return seen;
}

}  // namespace

TEST_CASE("blocking_pool_threads_idle_past_the_keep_alive_exit", "[blocking][threads]") {
    weir::runtime rt(pool_options(50ms));
    REQUIRE(rt.block_on(occupy_threads(rt, 4)) == 4);
    // The four threads are idle now; 50 ms later they exit (limit: 100x that).
    CHECK(wait_for_blocking_threads(rt, 0, 5000ms) == 0);
    // The pool starts a thread again on demand.
    int v = rt.block_on(
        []() -> weir::task<int> { co_return co_await weir::spawn_blocking([] { return 7; }); }());
    CHECK(v == 7);
    CHECK(rt.metrics().blocking_threads <= 1);
}

TEST_CASE("blocking_pool_reuses_an_idle_thread_within_the_keep_alive", "[blocking][threads]") {
    weir::runtime rt(pool_options(10s));  // the default
    REQUIRE(rt.block_on(occupy_threads(rt, 3)) == 3);
    // Sequential jobs find an idle thread: none starts, none exits.
    rt.block_on([]() -> weir::task<void> {
        for (int i = 0; i < 20; ++i) co_await weir::spawn_blocking([] {});
    }());
    CHECK(rt.metrics().blocking_threads == 3);
    CHECK(rt.metrics().blocking_queue_depth == 0);
}

TEST_CASE("blocking_pool_jobs_submitted_while_threads_retire_all_run", "[blocking][threads]") {
    // A 1 ms keep-alive: threads time out while jobs arrive (the race between a thread giving
    // up and submit counting it as idle). A lost job would hang its co_await.
    weir_test::watchdog dog("blocking_pool_jobs_submitted_while_threads_retire_all_run", 60s);
    weir::runtime rt(pool_options(1ms));
    int ran = rt.block_on([]() -> weir::task<int> {
        int n = 0;
        for (int i = 0; i < 300; ++i) {
            std::vector<weir::task<int>> batch;
            for (int k = 0; k <= i % 4; ++k)
                batch.push_back(weir::spawn_blocking([] { return 1; }));
            for (auto& t : batch) n += co_await std::move(t);
            if (i % 3 == 0) std::this_thread::sleep_for(1ms);  // lets some threads retire
        }
        co_return n;
    }());
    CHECK(ran == 750);  // 75 rounds of 1 + 2 + 3 + 4 jobs
}

TEST_CASE("runtime_blocking_keep_alive_must_be_positive", "[blocking]") {
    REQUIRE_THROWS_AS(weir::runtime(pool_options(0ns)), std::invalid_argument);
    weir::runtime forever(pool_options(std::chrono::nanoseconds::max()));  // no exit
    CHECK(forever.block_on([]() -> weir::task<int> {
        co_return co_await weir::spawn_blocking([] { return 1; });
    }()) == 1);
}

TEST_CASE("spawn_blocking_reports_a_thread_that_cannot_start", "[blocking][threads]") {
    weir::runtime rt(pool_options(10s));
    bool ran = false;
    auto job = [&ran] { ran = true; };
    {
        threads_cannot_start guard;
        rt.block_on([](decltype(job)& job) -> weir::task<void> {
            try {
                auto t = weir::spawn_blocking(job);
                FAIL("spawn_blocking did not throw");
            } catch (const std::system_error& e) {
                CHECK(e.code() == std::errc::resource_unavailable_try_again);
            }
            co_return;
        }(job));
        // Nothing was queued for a thread that does not exist (ASan: the cell was freed).
        CHECK(rt.metrics().blocking_threads == 0);
        CHECK(rt.metrics().blocking_queue_depth == 0);
    }
    CHECK(!ran);
    // Once threads can start again, spawn_blocking works.
    rt.block_on(
        [](decltype(job)& job) -> weir::task<void> { co_await weir::spawn_blocking(job); }(job));
    CHECK(ran);
}

TEST_CASE("spawn_blocking_queues_behind_a_running_thread_when_no_thread_can_start",
          "[blocking][threads]") {
    weir::runtime rt(pool_options(10s));
    auto t = [](weir::runtime& rt) -> weir::task<bool> {
        std::atomic<bool> started{false}, gate{false};
        auto hold = [&] {
            started = true;
            auto until = std::chrono::steady_clock::now() + 10s;  // a bound on a hang only
            while (!gate.load() && std::chrono::steady_clock::now() < until)
                std::this_thread::sleep_for(1ms);
            return std::this_thread::get_id();
        };
        auto a = weir::spawn_blocking(hold);
        while (!started.load()) std::this_thread::sleep_for(1ms);
        weir::task<std::thread::id> b;
        {
            threads_cannot_start guard;
            // The only thread is busy and no other can start: b waits for that one.
            b = weir::spawn_blocking([] { return std::this_thread::get_id(); });
        }
        auto m = rt.metrics();
        CHECK(m.blocking_threads == 1);
        CHECK(m.blocking_queue_depth == 1);
        gate = true;
        auto ida = co_await std::move(a);
        auto idb = co_await std::move(b);
        co_return ida == idb;
    };
    CHECK(rt.block_on(t(rt)));
}

#if defined(__linux__)
namespace {
/// How many of this process's descriptors are open on path (by /proc/self/fd's links, so
/// descriptors other threads open meanwhile do not count).
std::size_t descriptors_open_on(const std::filesystem::path& path) {
    std::size_t n = 0;
    std::error_code ec;
    for (auto& e : std::filesystem::directory_iterator("/proc/self/fd"))
        if (std::filesystem::read_symlink(e.path(), ec) == path) ++n;
    return n;
}

/// A file created for the test under the temporary directory, open for writing, and its path as
/// /proc/self/fd shows it.
struct temp_file {
    weir::fs::file f;
    std::filesystem::path path;
};
temp_file open_temp_file(weir::runtime& rt, const std::string& tag) {
    auto path = std::filesystem::temp_directory_path() /
                ("weir-test-" + tag + "-" + std::to_string(::getpid()));
    auto f = rt.block_on(weir::fs::file::open(
        path.string(), weir::fs::open_mode::write | weir::fs::open_mode::create));
    return {std::move(f), std::filesystem::canonical(path)};
}

/// Destroys f inside a task on one of rt's workers (its close then goes to the blocking pool).
void drop_on_a_worker(weir::runtime& rt, weir::fs::file f) {
    rt.block_on(weir_test::on_worker([](weir::fs::file f) -> weir::task<void> {
        { weir::fs::file gone = std::move(f); }  // destroyed here, on the worker
        co_return;
    }(std::move(f))));
}
}  // namespace

TEST_CASE("file_dropped_on_a_worker_is_closed_there_when_no_blocking_thread_can_start",
          "[blocking][fs][threads]") {
    weir::runtime rt(pool_options(50ms));
    if (!weir_test::have_io(rt)) return;
    auto [f, path] = open_temp_file(rt, "blocking-close");
    CHECK(descriptors_open_on(path) == 1);
    // The open's thread retires: the close would need a new one.
    REQUIRE(wait_for_blocking_threads(rt, 0, 5000ms) == 0);
    {
        threads_cannot_start guard;
        drop_on_a_worker(rt, std::move(f));
    }
    CHECK(descriptors_open_on(path) == 0);
    std::filesystem::remove(path);
}

TEST_CASE("file_dropped_on_a_worker_is_closed_by_the_blocking_pool", "[blocking][fs][threads]") {
    // The close goes to the pool as a job that nobody awaits (no finish step): the pool must run
    // it without touching the job afterwards (it deleted itself). A pool that called the job's
    // finish unconditionally crashed here.
    weir::runtime rt(pool_options(10s));
    if (!weir_test::have_io(rt)) return;
    auto [f, path] = open_temp_file(rt, "blocking-pool-close");
    CHECK(descriptors_open_on(path) == 1);
    drop_on_a_worker(rt, std::move(f));
    // The close runs on a pool thread, soon after: waited for (10 s bounds a hang).
    auto until = std::chrono::steady_clock::now() + 10s;
    while (descriptors_open_on(path) != 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(1ms);
    CHECK(descriptors_open_on(path) == 0);
    std::filesystem::remove(path);
}
#endif

TEST_CASE("blocking_pool_thread_counts_as_idle_while_it_hands_a_result_over",
          "[blocking][threads]") {
    // A pool thread that has run a job wakes the awaiting task, which may spawn the next job at
    // once, before the thread is back at the queue. The hook holds the thread in that window for
    // 20 ms: had it not counted itself idle first, each of these jobs would start a thread.
    struct slow_return {
        slow_return() {
            weir::detail::after_blocking_finish = []() noexcept {
                std::this_thread::sleep_for(20ms);
            };
        }
        ~slow_return() { weir::detail::after_blocking_finish = nullptr; }
    } hold;  // outlives rt, whose pool threads read the hook
    weir::runtime rt(pool_options(10s));
    rt.block_on([]() -> weir::task<void> {
        for (int i = 0; i < 5; ++i) co_await weir::spawn_blocking([] {});
    }());
    CHECK(rt.metrics().blocking_threads == 1);
}

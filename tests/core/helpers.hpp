// Small helpers shared by the core tests.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>
#include <weir/detail/parker.hpp>
#include <weir/weir.hpp>

#if defined(__linux__)
#include <filesystem>
#endif

namespace weir_test {

/// Runs stream s to its end on rt and gives its items.
template <class S>
std::vector<weir::stream::item_t<S>> collect_on(weir::runtime& rt, S s) {
    return rt.block_on(std::move(s).collect());
}

#if defined(__linux__)
/// Descriptors this process has open.
inline int open_fds() {
    int n = 0;
    for (auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
        (void)e;
        ++n;
    }
    return n;
}
#endif

/// Sets (value non-null) or removes an environment variable for the scope, then restores it.
/// Only between runtimes: nothing may read the environment meanwhile.
class scoped_env {
public:
    scoped_env(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old, had_ = true;
        set(value);
    }
    ~scoped_env() { set(had_ ? old_.c_str() : nullptr); }
    scoped_env(const scoped_env&) = delete;

private:
    void set(const char* v) {
#if defined(_WIN32)
        _putenv_s(name_, v ? v : "");
#else
        if (v)
            ::setenv(name_, v, 1);
        else
            ::unsetenv(name_);
#endif
    }
    const char* name_;
    std::string old_;
    bool had_ = false;
};

/// Runtime options with n worker threads.
inline weir::runtime::options workers(std::size_t n) {
    return weir::runtime::options{.worker_threads = n};
}

/// Options for a runtime with n workers on the uring driver, or nothing where it cannot start
/// (another platform, a kernel or container without io_uring, the io_suite.uring_setup_fails
/// run).
inline std::optional<weir::runtime::options> uring_only(std::size_t n) {
    auto o = workers(n);
    o.io_backend = "uring";
    try {
        weir::runtime probe{o};
    } catch (const std::system_error&) {
        return std::nullopt;
    }
    return o;
}

/// Runs t as a spawned task (on a worker) and gives its value. block_on's own task runs on the
/// calling thread; tests about what happens on a worker use this.
template <class T>
weir::task<T> on_worker(weir::task<T> t) {
    co_return co_await weir::spawn(std::move(t));
}

/// What runtime::io_backend() says for a runtime without I/O: "none", or "wasm_event_loop" in the
/// event-loop build (which has no I/O either).
inline std::string no_io_name() {
    return weir::detail::backend_runs_on_event_loop() ? "wasm_event_loop" : "none";
}

/// True if rt has an I/O backend; the I/O tests return early where it has none (WebAssembly),
/// and test_tcp checks that the operations then fail clearly.
inline bool have_io(weir::runtime& rt) { return std::string(rt.io_backend()) != no_io_name(); }

/// Keeps the calling thread busy for about d without yielding (a task that hogs its worker).
inline void spin_for(std::chrono::microseconds d) {
    auto until = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < until) {
    }
}

/// Spawns n tasks that each spin for d, from the calling task (so into its worker's queue), and
/// waits for them: with several workers, the idle ones must steal to help. Each task also spins
/// until tasks have run on two threads (10 s at most, a bound on a failure), so that a second
/// worker that gets a core late still finds work to steal: only for runtimes of two workers or
/// more.
inline weir::task<void> spawn_busy_tasks(int n, std::chrono::microseconds d) {
    struct two_threads {
        std::mutex m;
        std::thread::id first{}, second{};
        std::chrono::steady_clock::time_point deadline =
            std::chrono::steady_clock::now() + std::chrono::seconds(10);
        void saw(std::thread::id id) {
            std::lock_guard<std::mutex> lk(m);
            if (first == std::thread::id{})
                first = id;
            else if (id != first && second == std::thread::id{})
                second = id;
        }
        bool both() {
            std::lock_guard<std::mutex> lk(m);
            return second != std::thread::id{};
        }
    } seen;
    std::vector<weir::join_handle<void>> hs;
    for (int i = 0; i < n; ++i)
        hs.push_back(
            weir::spawn([](two_threads& s, std::chrono::microseconds d) -> weir::task<void> {
                s.saw(std::this_thread::get_id());
                spin_for(d);
                while (!s.both() && std::chrono::steady_clock::now() < s.deadline) {
                }
                co_return;
            }(seen, d)));
    for (auto& h : hs) co_await h;
}

/// Ends the test process with a message if it is still alive after `limit` (a deadlock would
/// otherwise hang the suite until CTest's timeout, with no word on what hung). The limit is a
/// bound on a hang, not a timing assertion: pick it far above what the test needs.
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
// The event-loop build has no second thread to watch with: the suite's CTest timeout is the bound.
class watchdog {
public:
    watchdog(const char*, std::chrono::seconds) {}
    watchdog(const watchdog&) = delete;
};
#else
class watchdog {
public:
    watchdog(const char* what, std::chrono::seconds limit) : what_(what) {
        thread_ = std::thread([this, limit] {
            std::unique_lock<std::mutex> lk(m_);
            if (!cv_.wait_for(lk, limit, [this] { return done_; })) {
                std::fprintf(stderr, "watchdog: %s did not finish in %lld s (deadlock?)\n", what_,
                             static_cast<long long>(limit.count()));
                std::fflush(stderr);
                std::_Exit(3);
            }
        });
    }
    ~watchdog() {
        {
            std::lock_guard<std::mutex> lk(m_);
            done_ = true;
        }
        cv_.notify_one();
        thread_.join();
    }
    watchdog(const watchdog&) = delete;

private:
    const char* what_;
    std::mutex m_;
    std::condition_variable cv_;
    bool done_ = false;
    std::thread thread_;
};
#endif

/// A connected TCP pair: `client` from connect, `server` from the accept of `listener`, bound
/// to `where` (each step bounded by 5 s). The listener is kept for tests that accept again.
struct tcp_pair {
    weir::net::tcp_listener listener;
    weir::net::tcp_stream client, server;
};
inline weir::task<tcp_pair> connect_tcp_pair(const char* where = "127.0.0.1:0") {
    tcp_pair p;
    p.listener = weir::net::tcp_listener::bind(weir::net::socket_address::parse(where));
    p.client = co_await weir::timeout(std::chrono::seconds(5),
                                      weir::net::tcp_stream::connect(p.listener.local_address()));
    p.server = co_await weir::timeout(std::chrono::seconds(5), p.listener.accept());
    co_return p;
}

/// The bytes of s, for write_all and send_to.
inline std::span<const std::byte> bytes_of(const std::string& s) {
    return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

/// Counts its live copies: held by a task's frame (a local, or a parameter, which exists from
/// the spawn on even if the task never runs), it tells whether every frame was destroyed.
struct counted_alive {
    static inline std::atomic<int> alive{0};
    counted_alive() { alive.fetch_add(1); }
    counted_alive(const counted_alive&) { alive.fetch_add(1); }
    ~counted_alive() { alive.fetch_sub(1); }
};

}  // namespace weir_test

// A small module that lets JavaScript tests drive a runtime the way the npm package's bindings
// will: start work without blocking and be called back on the host thread (weir::wasm::start),
// wake a task from JavaScript, or call block_on where it is (or is not) allowed. Built for both
// WebAssembly backends as an ES module (tests/CMakeLists.txt); used by tests/wasm/*.test.mjs
// under Node and by the browser suite (tests/browser/) in Chromium.
#include <emscripten/em_js.h>
#include <emscripten/emscripten.h>

#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <string>
#include <weir/wasm/start.hpp>
#include <weir/weir.hpp>

namespace ws = weir::stream;

// clang-format off
EM_JS(void, probe_js_done, (int id, double a, double b, const char* error), {
    Module["onProbeDone"](id, a, b, error ? UTF8ToString(error) : null);
});
// clang-format on

namespace {

std::map<int, std::unique_ptr<weir::notify>> notifies;  // host thread only
std::string last_error;                                 // host thread only

weir::task<std::pair<double, double>> pipeline(int n) {
    // The shape: iter -> map (a task per item) -> buffered(100) -> filter -> collect.
    auto v = co_await ws::iter(0, n)
                 .map([](int x) -> weir::task<std::int64_t> {
                     co_return static_cast<std::int64_t>(x) * x;
                 })
                 .buffered(100)
                 .filter([](std::int64_t x) { return x % 2 == 0; })
                 .collect();
    std::uint64_t sum = 0;  // modulo 1e9+7, so a double carries it exactly
    for (std::int64_t x : v)
        sum = (sum + static_cast<std::uint64_t>(x) % 1000000007u) % 1000000007u;
    co_return std::pair<double, double>(static_cast<double>(v.size()), static_cast<double>(sum));
}

template <class T>
void report(int id, weir::wasm::outcome<T>&& o, double a, double b) {
    if (o.has_value()) {
        probe_js_done(id, a, b, nullptr);
        return;
    }
    try {
        std::rethrow_exception(o.error());
    } catch (const weir::operation_cancelled& e) {  // not a std::exception (weir/errors.hpp)
        probe_js_done(id, 0, 0, e.what());
    } catch (const std::exception& e) {
        probe_js_done(id, 0, 0, e.what());
    }
}

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE weir::runtime* probe_runtime_new(double budget_ms, int workers) {
    weir::runtime::options o;
    o.worker_threads = static_cast<std::size_t>(workers);
    o.slice_budget = std::chrono::microseconds(static_cast<std::int64_t>(budget_ms * 1000));
    return new weir::runtime(o);
}

EMSCRIPTEN_KEEPALIVE void probe_runtime_delete(weir::runtime* rt) { delete rt; }

EMSCRIPTEN_KEEPALIVE int probe_worker_count(weir::runtime* rt) {
    return static_cast<int>(rt->worker_count());
}

EMSCRIPTEN_KEEPALIVE const char* probe_backend(weir::runtime* rt) { return rt->io_backend(); }

/// Slices run so far (the event-loop build counts one park per slice).
EMSCRIPTEN_KEEPALIVE double probe_parks(weir::runtime* rt) {
    auto m = rt->metrics();
    std::uint64_t n = 0;
    for (const auto& w : m.per_worker) n += w.parks;
    return static_cast<double>(n);
}

EMSCRIPTEN_KEEPALIVE void probe_pipeline(weir::runtime* rt, int n, int id) {
    weir::wasm::start(*rt, pipeline(n), [id](weir::wasm::outcome<std::pair<double, double>>&& o) {
        std::pair<double, double> r{0, 0};
        if (o.has_value()) r = o.take();
        report(id, std::move(o), r.first, r.second);
    });
}

EMSCRIPTEN_KEEPALIVE void probe_sleep(weir::runtime* rt, double ms, int id) {
    auto d = std::chrono::microseconds(static_cast<std::int64_t>(ms * 1000));
    weir::wasm::start(
        *rt, [](auto d) -> weir::task<void> { co_await weir::sleep(d); }(d),
        [id](weir::wasm::outcome<void>&& o) { report(id, std::move(o), 0, 0); });
}

/// Starts a task that waits on a notify only JavaScript will trigger (probe_notify(id)).
EMSCRIPTEN_KEEPALIVE void probe_wait_notify(weir::runtime* rt, int id) {
    auto& n = notifies[id];
    n = std::make_unique<weir::notify>();
    weir::wasm::start(
        *rt, [](weir::notify& n) -> weir::task<void> { co_await n.notified(); }(*n),
        [id](weir::wasm::outcome<void>&& o) {
            report(id, std::move(o), 0, 0);
            notifies.erase(id);
        });
}

EMSCRIPTEN_KEEPALIVE void probe_notify(int id) {
    auto it = notifies.find(id);
    if (it != notifies.end()) it->second->notify_one();
}

/// block_on of a sleep: "" on success, else the exception's message.
EMSCRIPTEN_KEEPALIVE const char* probe_block_on_sleep(weir::runtime* rt, double ms) {
    try {
        rt->block_on(weir::sleep(std::chrono::microseconds(static_cast<std::int64_t>(ms * 1000))));
        last_error.clear();
    } catch (const std::exception& e) {
        last_error = e.what();
    }
    return last_error.c_str();
}

}  // extern "C"

// WebAssembly without threads (em++ without -pthread): the runtime runs on the JavaScript thread
// that created it, in slices, between the turns of that thread's event loop. The core runs a
// slice (core/src/event_loop.cpp); this driver decides when the host calls it:
//   * after a wake-up from outside a slice (a promise settled, a message came: unpark), and
//     while a slice ends with work still ready, it posts a macrotask: setImmediate in Node,
//     a MessageChannel message in browsers and workers (setTimeout(0) is clamped to 4 ms there);
//   * when a slice ends with nothing ready but a timer pending, it arms one setTimeout for that
//     deadline (re-armed only when the deadline changes; an earlier timer unparks the driver);
//   * otherwise nothing: an idle runtime costs no CPU, and Node exits when nothing else is
//     pending.
// The JavaScript side keeps, per module instance, a registry from a small id to the driver, so a
// macrotask or timer that fires after the runtime is gone finds no driver and does nothing.
// block_on may sleep (Atomics.wait on a one-word SharedArrayBuffer, or a busy wait where no
// SharedArrayBuffer exists, as in a worker of a page that is not cross-origin isolated); a
// browser's main thread may not, and block_on refuses there (may_block).
#include <emscripten/em_js.h>
#include <emscripten/emscripten.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <system_error>

#include "weir/detail/parker.hpp"

namespace weir::detail {
class event_loop_driver;
}

extern "C" {
/// Called by the JavaScript side: kind 0 is the posted macrotask, kind 1 the armed timer.
EMSCRIPTEN_KEEPALIVE void weir_el_run_slice(weir::detail::event_loop_driver* d, int kind);
}

// clang-format off
EM_JS(int, weir_el_js_register, (void* driver), {
    var el = Module["weirEventLoop"];
    if (!el) {
        el = Module["weirEventLoop"] = { next: 1, live: new Map(), timers: new Map(), word: null };
        el.run = function (id, kind) {
            var d = el.live.get(id);
            if (d !== undefined) Module["_weir_el_run_slice"](d, kind);
        };
        if (typeof setImmediate === "function") {
            el.post = function (id) { setImmediate(el.run, id, 0); };
        } else if (typeof MessageChannel === "function") {
            var ch = new MessageChannel();
            var queue = [];
            ch.port1.onmessage = function () { el.run(queue.shift(), 0); };
            el.post = function (id) { queue.push(id); ch.port2.postMessage(0); };
        } else {
            el.post = function (id) { setTimeout(el.run, 0, id, 0); };
        }
    }
    var id = el.next++;
    el.live.set(id, driver);
    return id;
});

EM_JS(void, weir_el_js_unregister, (int id), {
    var el = Module["weirEventLoop"];
    el.live.delete(id);
    var t = el.timers.get(id);
    if (t !== undefined) { clearTimeout(t); el.timers.delete(id); }
});

EM_JS(void, weir_el_js_post, (int id), { Module["weirEventLoop"].post(id); });

EM_JS(void, weir_el_js_arm, (int id, double ms), {
    var el = Module["weirEventLoop"];
    var t = el.timers.get(id);
    if (t !== undefined) clearTimeout(t);
    el.timers.set(id, setTimeout(function () { el.timers.delete(id); el.run(id, 1); }, ms));
});

EM_JS(void, weir_el_js_disarm, (int id), {
    var el = Module["weirEventLoop"];
    var t = el.timers.get(id);
    if (t !== undefined) { clearTimeout(t); el.timers.delete(id); }
});

EM_JS(int, weir_el_js_may_block, (), {
    // A browser page's main thread has a window and may not block; Node's main thread, workers
    // and worklets may.
    return (typeof window === "object" && typeof document === "object") ? 0 : 1;
});

EM_JS(void, weir_el_js_sleep, (double ms), {
    var el = Module["weirEventLoop"];
    if (typeof SharedArrayBuffer === "function" && typeof Atomics === "object") {
        try {
            if (!el.word) el.word = new Int32Array(new SharedArrayBuffer(4));
            Atomics.wait(el.word, 0, 0, ms);
            return;
        } catch (e) {
            // Atomics.wait not allowed on this thread: fall through to the busy wait.
        }
    }
    var end = performance.now() + ms;
    while (performance.now() < end) {
    }
});
// clang-format on

namespace weir::detail {

class event_loop_driver final : public driver {
public:
    event_loop_driver() : id_(weir_el_js_register(this)) {}
    ~event_loop_driver() override { weir_el_js_unregister(id_); }

    const char* name() const noexcept override { return "wasm_event_loop"; }

    void attach(slice_host* host) noexcept override {
        host_ = host;
        if (!host) {  // shutdown: nothing may call back into the runtime any more
            weir_el_js_unregister(id_);
            armed_ = false;
        }
    }

    // A wake-up from outside a slice: run one soon. Inside one (or while block_on drives the
    // runtime) the running slice sees the new work itself.
    void unpark() noexcept override {
        if (!host_ || posted_ || host_->driving()) return;
        posted_ = true;
        weir_el_js_post(id_);
    }

    // Only block_on calls it, to sleep until its next timer: nothing else can wake this thread
    // meanwhile (no other thread exists, and the event loop does not run).
    void park(std::int64_t timeout_ns) override {
        if (timeout_ns > 0) weir_el_js_sleep(static_cast<double>(timeout_ns) / 1e6);
    }
    bool consume_unpark() noexcept override { return false; }
    bool may_block() const noexcept override { return weir_el_js_may_block() != 0; }

    void run(int kind) noexcept {
        if (kind == 0)
            posted_ = false;
        else
            armed_ = false;
        if (!host_) return;
        // (A runtime must not be destroyed from inside its own slice: the host defers that.)
        slice_host::outcome o = host_->run_slice();
        if (o.ready) {
            if (!posted_) {
                posted_ = true;
                weir_el_js_post(id_);
            }
            return;  // an armed timer can stay: its slice re-arms as needed
        }
        if (o.next_timer_ns < 0) {
            if (armed_) weir_el_js_disarm(id_);
            armed_ = false;
            return;
        }
        double due = emscripten_get_now() + static_cast<double>(o.next_timer_ns) / 1e6;
        if (armed_ && std::fabs(due - armed_due_) < 0.25) return;  // already armed for it
        armed_ = true;
        armed_due_ = due;
        // Rounded up: a host timer that fires early only costs an empty slice and a re-arm.
        weir_el_js_arm(id_, std::ceil(static_cast<double>(o.next_timer_ns) / 1e6));
    }

private:
    int id_;
    slice_host* host_ = nullptr;
    bool posted_ = false;   // a macrotask is pending
    bool armed_ = false;    // a host timer is pending, for armed_due_ (performance.now() ms)
    double armed_due_ = 0;
};

namespace {

// Nothing parks a thread in the event-loop build except block_on, through the driver; this
// parker only keeps the interface whole (a worker's and block_on's own parkers are never used
// to sleep).
class event_loop_parker final : public parker {
public:
    void park(std::int64_t timeout_ns) override {
        if (notified_) {
            notified_ = false;
            return;
        }
        if (timeout_ns > 0) weir_el_js_sleep(static_cast<double>(timeout_ns) / 1e6);
    }
    void unpark() noexcept override { notified_ = true; }
    bool consume_unpark() noexcept override {
        bool n = notified_;
        notified_ = false;
        return n;
    }

private:
    bool notified_ = false;
};

}  // namespace

std::unique_ptr<parker> make_thread_parker() { return std::make_unique<event_loop_parker>(); }

// No I/O in this build: "", "none" and "wasm_event_loop" give the event-loop driver; a named I/O
// driver is refused.
std::unique_ptr<driver> make_driver(const std::string& requested) {
    if (requested.empty() || requested == "none" || requested == "wasm_event_loop")
        return std::make_unique<event_loop_driver>();
    if (requested == "uring" || requested == "asio")
        throw std::system_error(
            std::make_error_code(std::errc::function_not_supported),
            "weir::runtime: the I/O backend \"" + requested + "\" is not available in WebAssembly");
    throw std::invalid_argument("weir::runtime: unknown I/O backend \"" + requested +
                                "\"; expected uring, asio or none");
}

bool backend_runs_on_event_loop() noexcept { return true; }
unsigned hardware_threads() noexcept { return 1; }

}  // namespace weir::detail

extern "C" EMSCRIPTEN_KEEPALIVE void weir_el_run_slice(weir::detail::event_loop_driver* d,
                                                       int kind) {
    d->run(kind);
}

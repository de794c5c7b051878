// The host thread's inbox (weir/wasm/host.hpp): a locked queue of callbacks and one pending
// "drain" at a time. The first post after a drain schedules the next: a microtask when the poster
// is the host thread itself (the event-loop build always; its slices run there), else a call
// proxied to the host thread (Emscripten's proxying queue, or its legacy main-thread call before
// 3.1.10), which the host runs from its event loop. A burst of completions costs one hop. A post
// with wake::with_next from another thread only queues (host.hpp says when that is right); at
// most max_quiet of them wait in a row before one schedules the drain anyway. A wake_policy
// decides under the lock, in the order of the posts (host.hpp: wake_policy says why).
#include "weir/wasm/host.hpp"

#include <emscripten/em_js.h>
#include <emscripten/emscripten.h>

#include <cstdint>
#include <mutex>
#include <vector>

#if defined(__EMSCRIPTEN_PTHREADS__)
#include <emscripten/threading.h>
#if __has_include(<emscripten/proxying.h>)
#include <emscripten/proxying.h>
#define WEIR_HAVE_PROXYING 1
#endif
#endif

extern "C" EMSCRIPTEN_KEEPALIVE void weir_host_drain();

// clang-format off
EM_JS(void, weir_host_js_microtask, (), {
    var run = function () { Module["_weir_host_drain"](); };
    if (typeof queueMicrotask === "function") queueMicrotask(run); else Promise.resolve().then(run);
});
// clang-format on

namespace weir::wasm {
namespace {

struct entry {
    void (*fn)(void*) noexcept;
    void* arg;
};

struct inbox {
    std::mutex m;
    std::vector<entry> queue;  // under m
    bool scheduled = false;    // under m: a drain is on its way
    int quiet = 0;             // under m: wake::with_next entries queued since the last drain
};

constexpr int max_quiet = 16;

inbox& the_inbox() {
    static inbox* b = new inbox;  // never destroyed: posts may come during static destruction
    return *b;
}

#if defined(__EMSCRIPTEN_PTHREADS__)
void drain_trampoline(void*) { weir_host_drain(); }
#endif

void schedule_drain() {
#if defined(__EMSCRIPTEN_PTHREADS__)
    if (!emscripten_is_main_runtime_thread()) {
#if defined(WEIR_HAVE_PROXYING)
        emscripten_proxy_async(emscripten_proxy_get_system_queue(),
                               emscripten_main_runtime_thread_id(), drain_trampoline, nullptr);
#else
        emscripten_async_run_in_main_runtime_thread(EM_FUNC_SIG_VI, drain_trampoline, nullptr);
#endif
        return;
    }
#endif
    weir_host_js_microtask();
}

}  // namespace

namespace {
wake constant(void* ctx) noexcept {
    return static_cast<wake>(reinterpret_cast<std::uintptr_t>(ctx));
}
}  // namespace

void post_to_host(void (*fn)(void*) noexcept, void* arg, wake w) {
    post_to_host(fn, arg,
                 wake_policy{constant, reinterpret_cast<void*>(static_cast<std::uintptr_t>(w))});
}

void post_to_host(void (*fn)(void*) noexcept, void* arg, wake_policy policy) {
    // Asked on the poster's thread, before the lock: the host thread always schedules its drain.
    const bool host = on_host_thread();
    inbox& b = the_inbox();
    bool first;
    {
        std::lock_guard<std::mutex> g(b.m);
        // The policy decides here, under the lock, so that a with_next decision is always
        // followed, in this lock's order, by the post that its policy counted on (host.hpp).
        const wake w = policy.decide ? policy.decide(policy.ctx) : wake::now;
        b.queue.push_back(entry{fn, arg});
        if (w == wake::with_next && !host && !b.scheduled && ++b.quiet < max_quiet) return;
        first = !b.scheduled;
        b.scheduled = true;
    }
    if (first) schedule_drain();
}

std::size_t run_host_callbacks() {
    inbox& b = the_inbox();
    std::size_t n = 0;
    for (;;) {
        std::vector<entry> batch;
        {
            std::lock_guard<std::mutex> g(b.m);
            if (b.queue.empty()) {
                b.scheduled = false;
                return n;
            }
            batch.swap(b.queue);
            b.quiet = 0;
        }
        for (const entry& e : batch) e.fn(e.arg);
        n += batch.size();
    }
}

bool on_host_thread() noexcept {
#if defined(__EMSCRIPTEN_PTHREADS__)
    return emscripten_is_main_runtime_thread();
#else
    return true;
#endif
}

}  // namespace weir::wasm

extern "C" EMSCRIPTEN_KEEPALIVE void weir_host_drain() { weir::wasm::run_host_callbacks(); }

// The C side of the npm package `weir-runtime` (wasm/npm): a weir::runtime per module instance,
// and *jobs*. A job is one batch of stage-function calls (a chunk of items through a chain of
// JavaScript stage functions) that the JavaScript engine (wasm/npm/src/engine/) hands to the
// runtime: it becomes a weir task, named after its stage, that a worker polls (the threads
// build) or a slice runs on the host thread (the event-loop build); its poll calls the job runner
// of the JavaScript context it runs in (src/engine/job_runner.mjs, bundled into the module as
// --pre-js), and its completion goes back to the host thread (weir::wasm::start), where the
// engine takes the results. The job's memory (its header, items in and out) is laid out and
// owned by JavaScript; this side only passes its address along, so the layout lives in one
// place (src/engine/job_layout.mjs).
//
// Also here: metrics as a flat array of numbers, tracing (a log accumulated since the trace
// started; each take hands JavaScript the new events as numbers and the names they use), stage
// events recorded by the JavaScript engine into the same trace, and a timer for rt.sleep.
#include <emscripten/em_js.h>
#include <emscripten/emscripten.h>
#include <malloc.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>
#include <weir/detail/trace_hooks.hpp>
#include <weir/wasm/start.hpp>
#include <weir/weir.hpp>

// clang-format off
// Runs the job in this thread's JavaScript context (a pool worker, or the host in the
// event-loop build). Never throws: failures are written into the job.
EM_JS(void, weir_npm_js_run_job, (void* job), {
    weirJobRunner.run(job);
});
// On the host thread: the job ended (status 0: it ran; 1: cancelled before or while it ran).
EM_JS(void, weir_npm_js_job_done, (void* job, int cancelled), {
    Module["weirHost"].jobDone(job, cancelled);
});
// On the host thread: the timer of rt.sleep (id) fired, or was cancelled.
EM_JS(void, weir_npm_js_timer_done, (int id, int cancelled), {
    Module["weirHost"].timerDone(id, cancelled);
});
// clang-format on

namespace {

// Jobs and timers in flight, by id, so that JavaScript can abort them. Host thread only. Shared
// with the completion callbacks, which may run after the runtime is gone (a shutdown reports
// every unfinished job as cancelled).
struct in_flight {
    std::unordered_map<int, weir::join_handle<void>> jobs, timers;
    // Batched jobs (weir_npm_job_submit) submitted and not yet ended, and the worker count
    // they are compared with. Any thread.
    std::atomic<int> batched{0};
    int workers = 1;
};

// A batched job ended (on the thread where it ended; once per job, even when it was cancelled
// before it ran). Its completion waits for the host's next drain while more batched jobs are
// outstanding than there are workers: at most one runs on each worker, so one of the others has
// not started yet, and the completion of that one, or of one after it, wakes the host (the last
// one always does). For the host this halves the wakes under buffered(n), which keeps two jobs
// per worker in flight: the first of two jobs that end together waits for the second. On two
// cores kept busy by the workers, each wake also takes a worker's core for a while. This runs
// under the host inbox's lock (weir/wasm/host.hpp: wake_policy), so the count and the posts are
// in one order: a completion that waits is always followed by the posts of the jobs it counted.
weir::wasm::wake batched_job_ended(void* ctx) noexcept {
    auto* f = static_cast<in_flight*>(ctx);
    const int left = f->batched.fetch_sub(1, std::memory_order_relaxed) - 1;
    return left > f->workers ? weir::wasm::wake::with_next : weir::wasm::wake::now;
}

struct npm_runtime {
    std::shared_ptr<in_flight> open = std::make_shared<in_flight>();
    weir::runtime rt;  // after `open`: destroyed first, so its tasks go before their handles
    // Tracing: everything since trace_start, and the last take's events flattened for
    // JavaScript (event_fields numbers per event) with the names they refer to.
    weir::trace::log all;
    std::vector<double> flat;
    std::string names;  // the log's names, each followed by a NUL
    std::string json;
    bool tracing = false;

    explicit npm_runtime(const weir::runtime::options& o) : rt(o) {
        open->workers = static_cast<int>(rt.worker_count());
    }
};

weir::task<void> run_job(void* job) {
    weir_npm_js_run_job(job);
    // Its calls may have taken long: in the event-loop build the slice then checks its budget
    // now instead of after up to 31 more runs (core/src/event_loop.cpp).
    weir::detail::this_thread.long_run = true;
    co_return;
}

/// Numbers per event in the flattened trace: ts_ns, task, a, b, name, location, worker, kind.
constexpr int event_fields = 8;

void flatten(npm_runtime& r, const weir::trace::log& l) {
    r.flat.clear();
    r.flat.reserve(l.events.size() * event_fields);
    for (const auto& e : l.events) {
        r.flat.push_back(static_cast<double>(e.ts_ns));
        r.flat.push_back(static_cast<double>(e.task));
        r.flat.push_back(static_cast<double>(e.a));
        r.flat.push_back(static_cast<double>(e.b));
        r.flat.push_back(e.name);
        r.flat.push_back(e.location);
        r.flat.push_back(e.worker);
        r.flat.push_back(static_cast<double>(e.k));
    }
}

}  // namespace

extern "C" {

/// A runtime with `workers` workers (ignored by the event-loop build: one) and a slice budget
/// of budget_ms (event-loop build). Null, with the message in weir_npm_error(), on failure.
static std::string last_error;

EMSCRIPTEN_KEEPALIVE npm_runtime* weir_npm_runtime_new(int workers, double budget_ms) {
    try {
        weir::runtime::options o;
        o.worker_threads = static_cast<std::size_t>(workers);
        o.slice_budget = std::chrono::microseconds(static_cast<std::int64_t>(budget_ms * 1000));
        o.max_blocking_threads = 1;
        return new npm_runtime(o);
    } catch (const std::exception& e) {
        last_error = e.what();
        return nullptr;
    }
}

EMSCRIPTEN_KEEPALIVE const char* weir_npm_error() { return last_error.c_str(); }

/// Bytes of the wasm heap in use (malloc's count): the package's leak tests watch it.
EMSCRIPTEN_KEEPALIVE double weir_npm_heap_used() {
    return static_cast<double>(mallinfo().uordblks);
}

/// Shuts the runtime down: tasks still running are cancelled (their jobs report cancelled).
EMSCRIPTEN_KEEPALIVE void weir_npm_runtime_delete(npm_runtime* r) { delete r; }

EMSCRIPTEN_KEEPALIVE int weir_npm_worker_count(npm_runtime* r) {
    return static_cast<int>(r->rt.worker_count());
}

EMSCRIPTEN_KEEPALIVE const char* weir_npm_backend() {
    return weir::detail::backend_runs_on_event_loop() ? "event-loop" : "threads";
}

/// Starts a job (see the file comment) as a task named `name`. The job reports through
/// weirHost.jobDone exactly once. A batched job (nonzero `batched`: one of several that a stage
/// keeps in flight and takes in input order) may report with the next one (batched_job_ended).
EMSCRIPTEN_KEEPALIVE void weir_npm_job_submit(npm_runtime* r, int id, void* job, const char* name,
                                              int batched) {
    auto done = [open = r->open, id, job](weir::wasm::outcome<void>&& o) {
        open->jobs.erase(id);
        weir_npm_js_job_done(job, o.has_value() ? 0 : 1);
    };
    weir::wasm::wake_policy policy;
    if (batched) {
        r->open->batched.fetch_add(1, std::memory_order_relaxed);
        policy = {batched_job_ended, r->open.get()};  // `done` keeps r->open alive
    }
    // No spawn location: this file's would say nothing to a JavaScript user; the name says it.
    r->open->jobs.emplace(id, weir::wasm::start_named(r->rt, name, run_job(job), std::move(done),
                                                      policy, nullptr, 0));
}

/// Cancels a job: if it has not started it never runs; either way it reports cancelled.
EMSCRIPTEN_KEEPALIVE void weir_npm_job_abort(npm_runtime* r, int id) {
    auto it = r->open->jobs.find(id);
    if (it != r->open->jobs.end()) it->second.abort();
}

/// rt.sleep: a weir timer; weirHost.timerDone(id, cancelled) when it fires or is aborted.
EMSCRIPTEN_KEEPALIVE void weir_npm_sleep(npm_runtime* r, int id, double ms) {
    auto d = std::chrono::microseconds(static_cast<std::int64_t>(ms * 1000));
    auto t = [](std::chrono::microseconds d) -> weir::task<void> { co_await weir::sleep(d); };
    auto done = [open = r->open, id](weir::wasm::outcome<void>&& o) {
        open->timers.erase(id);
        weir_npm_js_timer_done(id, o.has_value() ? 0 : 1);
    };
    r->open->timers.emplace(
        id, weir::wasm::start_named(r->rt, "sleep", t(d), std::move(done), nullptr, 0));
}

EMSCRIPTEN_KEEPALIVE void weir_npm_sleep_abort(npm_runtime* r, int id) {
    auto it = r->open->timers.find(id);
    if (it != r->open->timers.end()) it->second.abort();
}

/// The runtime's metrics as numbers into out (at least 6 + 8 per worker): workers,
/// global_queue_depth, live_tasks, remote_spawned, lost_wakers, then per worker polls, steals,
/// steal_operations, overflows, parks, spawned, local_queue_depth, busy_ns. Returns the count.
EMSCRIPTEN_KEEPALIVE int weir_npm_metrics(npm_runtime* r, double* out, int cap) {
    weir::runtime_metrics m = r->rt.metrics();
    int n = 0;
    auto put = [&](double v) {
        if (n < cap) out[n] = v;
        ++n;
    };
    put(static_cast<double>(m.workers));
    put(static_cast<double>(m.global_queue_depth));
    put(static_cast<double>(m.live_tasks));
    put(static_cast<double>(m.remote_spawned));
    put(static_cast<double>(m.lost_wakers));
    put(0);  // reserved
    for (const auto& w : m.per_worker) {
        put(static_cast<double>(w.polls));
        put(static_cast<double>(w.steals));
        put(static_cast<double>(w.steal_operations));
        put(static_cast<double>(w.overflows));
        put(static_cast<double>(w.parks));
        put(static_cast<double>(w.spawned));
        put(static_cast<double>(w.local_queue_depth));
        put(static_cast<double>(std::chrono::nanoseconds(w.busy).count()));
    }
    return n;
}

/// Starts tracing into rings of `words` 64-bit words per worker; forgets any earlier trace.
EMSCRIPTEN_KEEPALIVE void weir_npm_trace_start(npm_runtime* r, double words) {
    r->rt.take_trace();  // what came before this trace
    r->all = weir::trace::log{};
    r->rt.start_tracing(static_cast<std::size_t>(words));
    r->tracing = true;
}

EMSCRIPTEN_KEEPALIVE void weir_npm_trace_stop(npm_runtime* r) {
    r->rt.stop_tracing();
    r->tracing = false;
}

/// Takes the events recorded since the last take (and keeps them for weir_npm_trace_json):
/// returns their count; weir_npm_trace_events gives them flattened, weir_npm_trace_names the
/// log's names (all of them so far, NUL-separated), weir_npm_trace_dropped the events lost.
EMSCRIPTEN_KEEPALIVE int weir_npm_trace_take(npm_runtime* r) {
    weir::trace::log chunk = r->rt.take_trace();
    weir::trace::log copy = chunk;  // append consumes it; the flattened copy maps its names
    weir::trace::append(r->all, std::move(chunk));
    // Events keep the indices of their own chunk's names: re-read them against the whole log's
    // names by name, so that JavaScript has one table.
    std::unordered_map<std::string, std::uint32_t> index;
    for (std::uint32_t i = 0; i < r->all.names.size(); ++i) index.emplace(r->all.names[i], i);
    for (auto& e : copy.events) {
        e.name = e.name ? index[copy.names[e.name]] : 0;
        e.location = e.location ? index[copy.names[e.location]] : 0;
    }
    flatten(*r, copy);
    r->names.clear();
    for (const auto& n : r->all.names) {
        r->names += n;
        r->names.push_back('\0');
    }
    return static_cast<int>(copy.events.size());
}
EMSCRIPTEN_KEEPALIVE const double* weir_npm_trace_events(npm_runtime* r) { return r->flat.data(); }
EMSCRIPTEN_KEEPALIVE const char* weir_npm_trace_names(npm_runtime* r) { return r->names.data(); }
EMSCRIPTEN_KEEPALIVE int weir_npm_trace_names_bytes(npm_runtime* r) {
    return static_cast<int>(r->names.size());
}
EMSCRIPTEN_KEEPALIVE double weir_npm_trace_dropped(npm_runtime* r) {
    return static_cast<double>(r->all.dropped);
}

/// The whole trace since trace_start as Chrome trace-event JSON (Perfetto opens it).
EMSCRIPTEN_KEEPALIVE const char* weir_npm_trace_json(npm_runtime* r) {
    r->json = weir::trace::to_chrome_json(r->all);
    return r->json.c_str();
}

/// A stream-stage event of the JavaScript engine (kind: 0 stage_in, 1 stage_out, 2
/// stage_in_flight) for the stage `name`, with its count, into the trace if it is on.
EMSCRIPTEN_KEEPALIVE void weir_npm_trace_stage(npm_runtime* r, int kind, const char* name,
                                               double count) {
    if (!r->tracing) return;
    static const weir::trace::kind kinds[] = {weir::trace::kind::stage_in,
                                              weir::trace::kind::stage_out,
                                              weir::trace::kind::stage_in_flight};
    if (kind < 0 || kind > 2) return;
    weir::detail::trace_named_from(r->rt.core(), kinds[kind], weir::detail::intern_name(name),
                                   static_cast<std::uint64_t>(count));
}

}  // extern "C"

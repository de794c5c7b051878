// weir::runtime's out-of-line members: choosing the worker count and owning the scheduler.
#include "weir/runtime.hpp"

#include <stdexcept>
#include <string>
#include <system_error>

#include "scheduler.hpp"
#include "trace_session.hpp"
#include "weir/detail/io_awaiter.hpp"
#include "weir/detail/parker.hpp"

namespace weir {

namespace {
constexpr std::size_t default_max_blocking = 64;
}

runtime::runtime() : runtime(options{}) {}

runtime::runtime(options opts) {
    std::size_t workers = opts.worker_threads;
    if (!workers) workers = detail::session_workers();  // a tracing session's choice
    if (!workers) workers = detail::hardware_threads();
    if (workers > 4096) throw std::invalid_argument("weir::runtime: worker_threads is too large");
    if (opts.slice_budget.count() <= 0)
        throw std::invalid_argument("weir::runtime: slice_budget must be positive");
    if (opts.blocking_keep_alive.count() <= 0)
        throw std::invalid_argument("weir::runtime: blocking_keep_alive must be positive");
    // The event-loop build has one executor: the host's thread.
    if (detail::backend_runs_on_event_loop()) workers = 1;
    std::size_t blocking =
        opts.max_blocking_threads ? opts.max_blocking_threads : default_max_blocking;
    core_ = new detail::runtime_core(workers, blocking, opts.blocking_keep_alive, opts.io_backend,
                                     std::move(opts.on_unhandled_exception));
    core_->set_slice_budget(opts.slice_budget.count());
    try {
        session_ = detail::session_recorder::start_if_installed(core_);
    } catch (...) {
        delete core_;
        throw;
    }
}

runtime::~runtime() noexcept(false) {
    // Shutting down joins every worker and blocking-pool thread, and block_on's thread waits in
    // the runtime: none of them can run this. Joining itself used to abort the process
    // ("Resource deadlock avoided") from a destructor.
    if (detail::current_runtime() == core_)
        throw std::logic_error(
            "weir::runtime destroyed from one of its own threads (inside one of its tasks, "
            "block_on's task or a spawn_blocking job): a runtime cannot shut down from a thread "
            "it must join or wait for. Destroy it from the thread that created it, outside "
            "block_on (keep it in a scope around block_on, not in an object a task drops); "
            "this runtime is left running");
    if (session_) {
        session_->finish();
        delete session_;
    }
    delete core_;
}

std::size_t runtime::worker_count() const noexcept { return core_->worker_count(); }

runtime_metrics runtime::metrics() const { return core_->metrics(); }
std::string runtime::dump_tasks() const { return core_->dump_tasks(); }
void runtime::watch(watch_options o) {
    if (o.stall_threshold <= std::chrono::milliseconds(0))
        throw std::invalid_argument("weir::runtime::watch: the stall threshold must be positive");
    core_->watch(std::move(o));
}

void runtime::start_tracing(std::size_t events_per_worker) {
    core_->start_tracing(events_per_worker);
}
void runtime::stop_tracing() noexcept { core_->stop_tracing(); }
trace::log runtime::take_trace() {
    trace::log l;
    core_->take_trace(l);
    return l;
}
void runtime::take_trace(trace::log& into) { core_->take_trace(into); }
std::uint64_t runtime::collect_trace() { return core_->collect_trace(); }

const char* runtime::io_backend() const noexcept {
    detail::io_driver* io = core_->io();
    if (io) return io->io_name();
    return core_->on_event_loop() ? "wasm_event_loop" : "none";
}

namespace detail {
io_driver* require_io(const char* what) {
    runtime_core* rt = current_runtime();
    if (!rt) throw std::logic_error(std::string(what) + ": awaited outside a weir::runtime");
    io_driver* io = rt->io();
    if (!io)
        throw std::system_error(
            std::make_error_code(std::errc::function_not_supported),
            std::string(what) + ": this runtime has no I/O backend (io_backend() is \"none\")");
    return io;
}
}  // namespace detail

}  // namespace weir

// The calling thread's side of runtime::block_on: the task's header is "scheduled" by setting a
// flag and unparking this thread, which then runs it. Timers, I/O and the blocking pool are
// driven by the workers; this thread only runs its one task.
#include "weir/detail/block_on.hpp"

#include <stdexcept>
#include <thread>

#include "scheduler.hpp"

namespace weir::detail {

block_on_executor::block_on_executor(runtime_core* rt) : rt_(rt), parker_(make_thread_parker()) {}
block_on_executor::~block_on_executor() {
    while (in_flight_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
}

void block_on_executor::schedule(task_header*, bool) noexcept {
    in_flight_.fetch_add(1, std::memory_order_acq_rel);
    scheduled_.store(true, std::memory_order_release);
    parker_->unpark();
    in_flight_.fetch_sub(1, std::memory_order_acq_rel);
}

void block_on_executor::lost_waker(task_header* t, const char* what) noexcept {
    if (rt_) rt_->lost_waker(t, what);
}

void block_on_executor::drive(task_header* t) {
    if (!rt_->may_block())
        throw std::logic_error(
            "weir::runtime::block_on: this thread may not block (a browser's main thread); "
            "start the task with weir::wasm::start and take its result in the completion "
            "callback instead");
    thread_state saved = this_thread;
    if (rt_->on_event_loop()) {
        // The calling thread is the runtime's only executor: it runs slices until t completes.
        struct restore {
            thread_state s;
            ~restore() { this_thread = s; }
        } r{saved};
        this_thread.runtime = rt_;
        this_thread.worker = nullptr;
        if (rt_->tracing()) rt_->trace_spawn(t);
        rt_->drive_on_event_loop(t, scheduled_);
        return;
    }
    this_thread.runtime = rt_;
    this_thread.worker = nullptr;
    if (rt_->tracing()) rt_->trace_spawn(t);  // it has no spawn of its own: name it in the trace
    while (!t->completed()) {
        if (scheduled_.exchange(false, std::memory_order_acq_rel)) {
            if (rt_->tracing()) {  // on the "other threads" track; its ends are recorded here
                rt_->trace_event(trace::kind::poll_begin, t->id);
                std::uint64_t id = t->id;
                t->run();
                rt_->trace_event(trace::kind::poll_end, id);
            } else {
                t->run();
            }
        } else
            parker_->park(-1);
    }
    this_thread = saved;
}

}  // namespace weir::detail

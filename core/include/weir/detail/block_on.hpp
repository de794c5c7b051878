// block_on's machinery: the task runs on the calling thread, which parks between runs. Its header
// is scheduled onto a one-slot executor that just sets a flag and unparks that thread, so wake-ups
// from workers, timers or the blocking pool reach it like any other task's.
#pragma once

#include <atomic>
#include <memory>

#include "../task.hpp"
#include "parker.hpp"
#include "result.hpp"
#include "runtime_core.hpp"

namespace weir::detail {

/// The calling thread's side of block_on (implemented in core/src with the platform parker).
class block_on_executor final : public executor {
public:
    explicit block_on_executor(runtime_core* rt);
    ~block_on_executor();
    void schedule(task_header* t, bool yield) noexcept override;
    void lost_waker(task_header* t, const char* what) noexcept override;  // the runtime's
    /// Runs t until it completes, parking whenever it is not scheduled.
    void drive(task_header* t);

private:
    runtime_core* rt_;
    std::atomic<bool> scheduled_{false};
    // schedule() calls still touching the parker: the executor lives on block_on's stack and
    // must not be destroyed under a waker that has published `scheduled_` but not yet returned.
    std::atomic<int> in_flight_{0};
    std::unique_ptr<parker> parker_;
};

template <class T>
struct block_cell final : task_header {
    task<T> body;  // resumed directly by the header, like a spawned task's
    resume_node start_node{};

    explicit block_cell(task<T>&& t) : task_header(&vtable), body(std::move(t)) {
        id = next_task_id();
        name = "block_on";  // in traces and task dumps
        auto h = body.handle();
        h.promise().ctx = task_ctx{this, &cancel, nullptr};
        start_node.handle = h;
    }
    static void finish(task_header*) noexcept {}  // drive() sees completed()
    static void shutdown(task_header*) noexcept {}
    static constexpr task_vtable vtable{&finish, &shutdown};
};

template <class T>
T block_on(runtime_core* rt, task<T>&& t) {
    block_cell<T> cell(std::move(t));
    block_on_executor exec(rt);
    cell.exec = &exec;
    cell.start(&cell.start_node);
    exec.drive(&cell);
    return cell.body.handle().promise().value.take();
}

}  // namespace weir::detail

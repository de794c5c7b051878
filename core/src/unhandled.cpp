// Exceptions nobody will see (weir/unhandled.hpp): a detached task's, a combinator's discarded
// ones. They are counted in the runtime's metrics and passed to runtime::options::
// on_unhandled_exception, or written to stderr when the program set none, instead of vanishing.
// Rare by nature, so nothing here is on a hot path: the callers only reach it with an exception.
#include <cstdio>
#include <string>

#include "scheduler.hpp"
#include "task_label.hpp"
#include "weir/errors.hpp"

namespace weir::detail {

namespace {
/// What the exception says; false for operation_cancelled (how cancelled work ends: never
/// reported).
bool describe(const std::exception_ptr& e, std::string& what) {
    try {
        std::rethrow_exception(e);
    } catch (const operation_cancelled&) {
        return false;
    } catch (const std::exception& x) {
        what = x.what();
    } catch (...) {
        what = "an exception not derived from std::exception";
    }
    return true;
}

unhandled_exception make_report(unhandled_exception::kind k, task_header* t, std::exception_ptr e,
                                std::string what) {
    unhandled_exception u;
    u.what = k;
    u.error = std::move(e);
    if (t) {
        u.task = t->id;
        u.name = t->name ? t->name : "";
        u.location = spawn_location(t->file, t->line);
    }
    std::string who = t ? task_label(u.task, u.name, u.location) : std::string("a task");
    if (k == unhandled_exception::kind::detached_task)
        u.message =
            "weir: " + who + " ended with an exception after its join_handle was dropped: " + what;
    else
        u.message = "weir: in " + who +
                    ", a combinator discarded a branch's exception (a select branch that lost, or "
                    "a join's failure after the first): " +
                    what;
    return u;
}

void write_stderr(const std::string& message) noexcept {
    std::fprintf(stderr, "%s\n", message.c_str());
    std::fflush(stderr);
}
}  // namespace

void runtime_core::report_unhandled(unhandled_exception::kind k, task_header* t,
                                    std::exception_ptr e) noexcept {
    try {
        std::string what;
        if (!describe(e, what)) return;
        unhandled_.fetch_add(1, std::memory_order_relaxed);
        unhandled_exception u = make_report(k, t, std::move(e), std::move(what));
        if (on_unhandled_)
            on_unhandled_(u);
        else
            write_stderr(u.message);
    } catch (...) {
        // Out of memory for the report, or the hook threw: the count (if reached) remains.
    }
}

void report_unhandled(runtime_core* rt, unhandled_exception::kind k, task_header* t,
                      std::exception_ptr e) noexcept {
    if (rt) return rt->report_unhandled(k, t, std::move(e));
    try {
        std::string what;
        if (describe(e, what)) write_stderr(make_report(k, t, std::move(e), what).message);
    } catch (...) {
    }
}

}  // namespace weir::detail

// weir::unhandled_exception: an exception that no code of the program will ever see, reported
// through runtime::options::on_unhandled_exception (after tokio's unhandled_panic option) and
// counted in runtime_metrics::unhandled_exceptions, instead of vanishing. Two kinds exist:
//   * a spawned task ended with an exception after its join_handle was dropped (a detached task);
//   * a combinator discarded a branch's exception: a select branch that lost and then failed
//     (typically in its cleanup), or a join's, try_join's or join_all's failure after the first
//     (which is the one they rethrow).
// weir::operation_cancelled is never reported: it is how a cancelled task or branch ends.
#pragma once

#include <cstdint>
#include <exception>
#include <string>

namespace weir {

struct unhandled_exception {
    enum class kind {
        detached_task,            // its join_handle was dropped before the task finished
        discarded_by_combinator,  // a select loser's failure, or a join's failure after the first
    };
    kind what = kind::detached_task;
    std::exception_ptr error;
    std::uint64_t task = 0;  // the task it happened in (0: unknown)
    std::string name;        // the task's name, "" when it has none
    std::string location;    // "file:line" of the task's spawn, "" when unknown
    std::string message;     // one line for people, naming the task and the exception
};

}  // namespace weir

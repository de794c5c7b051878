// weir::join_all: the dynamic-size join. Over tasks, they run concurrently as branches of the
// calling task; over join_handles, the spawned tasks already run on the pool and join_all just
// collects them. Either way every one is waited for, values come back in input order, and the
// first failure is rethrown after all have finished (later ones are reported as unhandled).
#pragma once

#include <exception>
#include <type_traits>
#include <vector>

#include "detail/group.hpp"
#include "join_handle.hpp"
#include "task.hpp"

namespace weir {

namespace detail {
/// A failure join_all will not rethrow (it rethrows the first): reported (unhandled.hpp).
inline void report_discarded(std::exception_ptr e) noexcept {
    report_unhandled(current_runtime(), unhandled_exception::kind::discarded_by_combinator,
                     current_ctx().header, std::move(e));
}

template <class T>
using join_all_result = std::conditional_t<std::is_void_v<T>, void, std::vector<T>>;

template <class T>
struct vector_group : group_base {
    std::vector<result<T>> results;
    branch_set set;

    explicit vector_group(std::vector<task<T>>&& ts)
        : group_base(group_mode::all), results(ts.size()) {
        set.handles.reserve(ts.size());
        for (std::size_t i = 0; i < ts.size(); ++i) {
            if (!ts[i].valid()) throw std::invalid_argument("weir::join_all: a task is empty");
            set.handles.push_back(make_branch<T>(this, i, std::move(ts[i]), &results[i]));
        }
    }
    group_awaiter wait() noexcept { return {{}, this, set.handles}; }
};
}  // namespace detail

/// Runs every task concurrently; gives their values in order (task<void> when T is void).
template <class T>
task<detail::join_all_result<T>> join_all(std::vector<task<T>> ts) {
    detail::vector_group<T> g(std::move(ts));
    co_await g.wait();
    g.rethrow_if_failed();
    if constexpr (!std::is_void_v<T>) {
        std::vector<T> out;
        out.reserve(g.results.size());
        for (auto& r : g.results) out.push_back(r.take());
        co_return out;
    }
}

/// Waits for every spawned task; gives their values in order (task<void> when T is void).
template <class T>
task<detail::join_all_result<T>> join_all(std::vector<join_handle<T>> hs) {
    std::exception_ptr first;
    if constexpr (std::is_void_v<T>) {
        for (auto& h : hs) {
            try {
                co_await h;
            } catch (const operation_cancelled&) {
                // A cancellation of the awaiting task itself must not be swallowed.
                if (detail::current_ctx().cancel && detail::current_ctx().cancel->is_cancelled())
                    throw;
                if (!first)
                    first = std::current_exception();
                else
                    detail::report_discarded(std::current_exception());
            } catch (...) {
                if (!first)
                    first = std::current_exception();
                else
                    detail::report_discarded(std::current_exception());
            }
        }
        if (first) std::rethrow_exception(first);
    } else {
        std::vector<T> out;
        out.reserve(hs.size());
        for (auto& h : hs) {
            try {
                out.push_back(co_await h);
            } catch (const operation_cancelled&) {
                if (detail::current_ctx().cancel && detail::current_ctx().cancel->is_cancelled())
                    throw;
                if (!first)
                    first = std::current_exception();
                else
                    detail::report_discarded(std::current_exception());
            } catch (...) {
                if (!first)
                    first = std::current_exception();
                else
                    detail::report_discarded(std::current_exception());
            }
        }
        if (first) std::rethrow_exception(first);
        co_return out;
    }
}

}  // namespace weir

// stage(name, build): names a part of a pipeline for the trace (docs/observability.md).
//
//     iter(lines).stage("parse", [](auto s) { return std::move(s).map(parse).filter(valid); })
//
// build gets the upstream and returns the stage's stream; every item the stage pulls from its
// upstream is recorded as stage_in, every item it gives out as stage_out, each with the stage's
// running count; and a buffered, buffer_unordered, spawn_buffered or for_each_concurrent made
// inside build reports its tasks in flight under the stage's name. In Perfetto each is a counter
// track ("stage parse: items in", ...). Both sides are forwarding stages (no suspension): while
// tracing is off an item costs a counter increment and one relaxed load.
#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

#include "../detail/trace_hooks.hpp"
#include "../trace.hpp"
#include "detail/forward.hpp"
#include "detail/stage_name.hpp"
#include "stream_base.hpp"

namespace weir::stream {

namespace detail {
/// Passes items on unchanged, counting them and recording each as event k of stage name.
template <stream_like S, trace::kind K>
class counted_stream : public stream_base<counted_stream<S, K>, item_t<S>> {
    using T = item_t<S>;
    using up_awaiter = decltype(std::declval<S&>().pull());

    struct apply {
        counted_stream* self;
        std::optional<T> operator()(std::optional<T>&& v) const noexcept {
            if (v) {
                ++self->count_;
                if (weir::detail::trace_any())
                    weir::detail::trace_named(K, self->name_, self->count_);
            }
            return std::move(v);
        }
    };

public:
    counted_stream(S up, const char* name) : up_(std::move(up)), name_(name) {}
    detail::forward_awaiter<up_awaiter, T, apply> pull() { return {&up_, apply{this}}; }

private:
    S up_;
    const char* name_;
    std::uint64_t count_ = 0;
};

/// Sets building_stage for the duration of a stage's build function.
struct building_scope {
    const char* saved;
    explicit building_scope(const char* n) noexcept : saved(building_stage) { building_stage = n; }
    ~building_scope() { building_stage = saved; }
    building_scope(const building_scope&) = delete;
};
}  // namespace detail

template <class D, class T>
template <class F>
auto stream_base<D, T>::stage(std::string_view name, F build) && {
    using in_t = detail::counted_stream<D, trace::kind::stage_in>;
    static_assert(std::is_invocable_v<F&, in_t&&>,
                  "weir::stream::stage: build must be callable with the upstream stream");
    using R = std::remove_cvref_t<std::invoke_result_t<F&, in_t&&>>;
    static_assert(stream_like<R>, "weir::stream::stage: build must return a stream");
    const char* n = weir::detail::intern_name(name);  // once per stage: it outlives the trace
    detail::building_scope scope(n);
    R inner = std::invoke(build, in_t(moved_self(), n));
    return detail::counted_stream<R, trace::kind::stage_out>(std::move(inner), n);
}

}  // namespace weir::stream

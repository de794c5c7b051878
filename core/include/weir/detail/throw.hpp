// Throwing out of line, for small functions on hot paths (an await_ready, a result's take). A
// throw written in place brings its exception object, its string and the unwinding calls into the
// function, and clang then judges it too big to inline: in the WebAssembly builds the awaits of a
// stream pipeline stayed calls (generator::pull_awaiter, task::awaiter, result::take: 12% of the
// event-loop build's stream_pipeline in a profile). A call to a cold function keeps them small.
#pragma once

namespace weir::detail {

/// Throws std::logic_error(what).
[[noreturn, gnu::cold, gnu::noinline]] void throw_logic_error(const char* what);

}  // namespace weir::detail

// The settings that change weir's inline code, and a link-time check that a program and the
// library were compiled with the same ones.
//
// Most of weir is inline (templates, coroutine promises, awaiters), so the library and every file
// of a program that uses it compile their own copies, and the linker keeps one copy of each
// under its mangled name. A setting that changes what those copies do without changing their
// names must be the same in every file, or the program mixes them: with the frame pool on in the
// library and off in a program's file, a frame from plain operator new is handed to the pool's
// free, which reads a header that is not there (heap corruption, or a bad free much later). So:
// * each setting is decided from the target and the compiler, never from how one file happens
//   to be instrumented (an earlier version turned the pool off in any file compiled with
//   AddressSanitizer, which a program built with -fsanitize=address against a library built
//   without it mixed);
// * the build (CMakeLists.txt) may override one for the library and passes its choice on to
//   every user: a PUBLIC compile definition of weir::weir, and weir.pc's Cflags;
// * every file that includes this header refers to a symbol whose name spells the settings
//   (weir_abi_frame_pool_1_lines_0_symmetric_transfer_1, say), and the library defines only
//   the one of its own settings (core/src/abi.cpp). A file compiled with other settings does not
//   link: "undefined reference to weir_abi_frame_pool_0_...", instead of corrupting memory at
//   run time. README.md, "Using the installed package", says what to do about it.
#pragma once

/// Coroutine frames and task cells come from per-thread caches (detail/frame_pool.hpp). Off on
/// Windows: mingw-w64's emulated TLS crashed a program at exit under Wine with the pool on (the
/// thread-exit order of the caches is not understood there yet). The build turns it off for
/// AddressSanitizer, so that a use of a freed frame stays visible.
#ifndef WEIR_FRAME_POOL
#if defined(_WIN32)
#define WEIR_FRAME_POOL 0
#else
#define WEIR_FRAME_POOL 1
#endif
#endif

/// The pool's blocks are whole pairs of cache lines, carved from chunks: in a WebAssembly
/// threads build (detail/frame_pool.hpp says why).
#ifndef WEIR_FRAME_POOL_LINES
#if WEIR_FRAME_POOL && defined(__wasm__) && defined(__wasm_atomics__)
#define WEIR_FRAME_POOL_LINES 1
#else
#define WEIR_FRAME_POOL_LINES 0
#endif
#endif

/// Await_suspend functions return the next coroutine's handle (1) or bool with a trampoline (0).
/// Symmetric transfer relies on tail calls: clang lowers it to a musttail call, even for a plain
/// suspend (a tail call to the no-op coroutine). clang < 17 targeting WebAssembly emits that
/// tail call without first popping the caller's frame from the linear-memory stack, so every
/// suspension of a coroutine that has such a frame leaks it, and a long loop of co_awaits
/// overflows the stack. There every await_suspend of weir returns bool (no tail call is
/// emitted), a transfer target is parked in this_thread.pending, and the task's run loop resumes
/// it (detail/task_header.hpp).
#ifndef WEIR_SYMMETRIC_TRANSFER
#if defined(__EMSCRIPTEN__) && defined(__clang_major__) && __clang_major__ < 17
#define WEIR_SYMMETRIC_TRANSFER 0
#else
#define WEIR_SYMMETRIC_TRANSFER 1
#endif
#endif

#define WEIR_ABI_NAME_(pool, lines, transfer) \
    weir_abi_frame_pool_##pool##_lines_##lines##_symmetric_transfer_##transfer
#define WEIR_ABI_NAME(pool, lines, transfer) WEIR_ABI_NAME_(pool, lines, transfer)
/// The symbol that names this file's settings; core/src/abi.cpp defines the library's.
#define WEIR_ABI_SYMBOL \
    WEIR_ABI_NAME(WEIR_FRAME_POOL, WEIR_FRAME_POOL_LINES, WEIR_SYMMETRIC_TRANSFER)

extern "C" const char WEIR_ABI_SYMBOL;

#define WEIR_ABI_CHECK_NAME_(pool, lines, transfer) \
    abi_check_frame_pool_##pool##_lines_##lines##_symmetric_transfer_##transfer
#define WEIR_ABI_CHECK_NAME(pool, lines, transfer) WEIR_ABI_CHECK_NAME_(pool, lines, transfer)

#if defined(__GNUC__) || defined(__clang__)
// `retain` keeps the pointer through the linker's garbage collection (--gc-sections) on ELF;
// elsewhere the attribute is ignored with a warning.
#if defined(__ELF__)
#define WEIR_ABI_RETAIN [[gnu::retain]]
#else
#define WEIR_ABI_RETAIN
#endif
namespace weir::detail {
// A pointer to the symbol, in every object file that includes this header: its relocation is
// what makes the linker look for the symbol. Kept although nothing reads it: `used` for the
// compiler, `retain` for an ELF linker that collects unused sections. External and named after
// the settings (one merged copy a program and a setting): wasm-ld drops a local variable
// however it is marked (LLVM 14), but keeps an external one marked `used`. Not kept by a PE
// linker (mingw) told to collect sections (-Wl,--gc-sections): there a mismatch links.
[[gnu::used]] WEIR_ABI_RETAIN inline const char* const WEIR_ABI_CHECK_NAME(
    WEIR_FRAME_POOL, WEIR_FRAME_POOL_LINES, WEIR_SYMMETRIC_TRANSFER) = &WEIR_ABI_SYMBOL;
}  // namespace weir::detail
#endif

// owner_store: a relaxed store by the one thread that writes a variable which other threads only
// read (relaxed) and only for information: a worker's metric counters, the id of the task it
// runs, a queue slot that a later release store publishes, and the LIFO slot of a lone worker
// (which no other thread touches at all).
//
// Why a helper: WebAssembly has only sequentially consistent atomics, and V8 compiles every
// atomic store into a locked `xchg` on x86 (a full barrier, ~20 cycles), where g++ makes a relaxed
// store a plain `mov`. A yield ran five of them (the poll counter, the running task's id twice,
// the queue's slot and tail), which made yield_many twice as slow in the threads build as
// natively. In a build with wasm atomics the store is a plain (volatile, so neither dropped nor
// merged) store instead. That is defined at WebAssembly's level: a racing reader sees the old
// value or the new one, untorn for aligned accesses up to 4 bytes (pointers in wasm32). The
// 64-bit counters and task id may tear on a 32-bit host; their readers (metrics, the stall
// watcher) only report them, so the worst is one glitched figure. Formally a volatile store into
// a std::atomic is undefined in C++; it relies on clang and WebAssembly as they are. Ordering
// against other stores is not needed of these, except for the queue slot, and that one is published
// by the tail's release store, which stays atomic. Elsewhere the helper is the relaxed store
// itself.
#pragma once

#include <atomic>

namespace weir::detail {

template <class T>
inline void owner_store(std::atomic<T>& a, T v) noexcept {
#if defined(__wasm__) && defined(__wasm_atomics__)
    static_assert(sizeof(std::atomic<T>) == sizeof(T) && std::atomic<T>::is_always_lock_free);
    *reinterpret_cast<volatile T*>(&a) = v;
#else
    a.store(v, std::memory_order_relaxed);
#endif
}

}  // namespace weir::detail

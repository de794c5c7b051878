// Memory for coroutine frames and spawned-task cells: per-thread caches of freed blocks in 32-byte
// size classes up to 1 KiB, so that spawning and finishing a task usually costs no malloc and no
// free. Profiled before it existed, spawn_many_local with 2 workers spent about a third of its
// time in glibc's malloc and free (three blocks per spawn: the user's frame, the cell, the root
// frame), much of it in arena locks, because tasks are made on one worker and freed on another.
//
// Every block belongs to the cache of the thread that first allocated it (a pointer after the
// block's class size says which: a trailer, not a header, below), and always goes back there, as in
// mimalloc: freed on its own thread, onto that cache's list (no atomics); freed on another thread,
// onto the owner's "remote" stack with one CAS, which the owner takes whole with one exchange when
// its own list runs dry. So a producer/consumer flow (one worker spawns, another finishes) recycles
// the producer's blocks instead of filling the consumer's cache and starving the producer's.
//
// A spawned task's cell and coroutine frames have lists of their own (two kinds of one class
// set), even where their sizes fall in one class (a 160-byte frame and a 192-byte cell both take
// 192-byte blocks). Sharing one list, a worker spawning a burst took cells and frames alike from
// what its own frees and its thief's remote frees had left, and the spawner and the thief then
// ran over interleaved blocks: join_all_1000 with 2 workers took 1.4-1.7x the time of the
// commit before issue 19's budget change, and its profile was cache misses on the cells' done
// flags and the free lists' links (docs/performance.md, "join_all_1000 w2 bisected"). Which
// layouts collide moved with a frame's size by 8 bytes; separate lists took it back to within
// a few percent, at no memory per task.
//
// Both lists are capped, and what is beyond a cap goes back to the heap (to the shared spare
// lists in a WebAssembly threads build, below, where the own list has no cap): a thread's own
// frees above max_local_bytes of a class, and remote frees above max_remote_bytes of a class (the
// remote stack's depth travels in its head word with the pointer, so the freeing thread sees it
// in the same CAS that pushes, at no extra atomic). Without the remote cap, a thread that spawned
// a burst of a million tasks finished elsewhere kept every block of them for good: five bursts
// of a million sleeping tasks grew the RSS left after malloc_trim from 258 to 432 MB (3.8 MB
// without the pool).
//
// In a WebAssembly threads build the blocks fill whole pairs of cache lines, each pair theirs
// alone (WEIR_FRAME_POOL_LINES). A task's state word is a read-modify-write at every poll and
// its frame is written at every suspension; with blocks packed as the heap gives them, tasks run
// by different workers wrote to one line, or to the two lines of one pair (which the core's
// adjacent-line prefetch moves together), and the worker whose tasks shared most ran its polls
// at half the other's speed: yield_many with two workers took 8.2-10.2 ms in fresh processes,
// against 4.2-6.4 ms with pairs (5.5-9.2 with single lines). The pairs are carved from chunks
// and never go back to the heap (core/src/frame_pool.cpp says why); they cost memory: heap
// growth per idle task 302 -> 510 bytes there. There a thread's own list has no cap either, so a
// thread keeps every block it allocated and freed itself until it ends: the pool's memory is
// bounded by the sum of each thread's peak of blocks in use, not by the process's peak (a burst
// of a million tasks on one worker, then one on another, carves blocks for both). Natively the
// sharing did not show (yield_many 3.0 ms either way), so blocks there come from operator new
// as they are.
//
// A thread's cache is never freed: when the thread ends, its free blocks (its own list and what
// its remote stack holds) go back to the heap (the spare lists with line pairs) and the cache is
// parked for the next new thread to adopt (blocks still in use, and remote frees that arrive
// meanwhile, stay valid). Under AddressSanitizer the pool is off, so use-after-free of frames stays
// visible; ThreadSanitizer checks the remote stacks. Off on Windows for now. Whether it is on is
// the build's choice, the same in every file of a program (detail/abi.hpp says why).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>

#include "abi.hpp"  // WEIR_FRAME_POOL and WEIR_FRAME_POOL_LINES

namespace weir::detail {

/// Which lists a block comes from: coroutine frames (and other pooled objects), or task cells.
enum class block_kind : unsigned char { frame = 0, cell = 1 };

#if WEIR_FRAME_POOL
struct frame_cache {
    static constexpr std::size_t granule = 32;
    static constexpr std::size_t classes = 32;  // blocks of 32 .. 1024 bytes
    /// The owner's pointer follows the class's bytes (owner_of), so a block is its class size
    /// plus one pointer. A trailer rather than a header: a header had to be 16 bytes to keep the
    /// object 16-aligned, and 16 + 32k bytes is a heap chunk of 32k + 32 (glibc adds 8 and
    /// rounds to 16), where 32k + 8 is one of 32k + 16. An idle task (a frame and a cell) went
    /// from 512 to 480 bytes. The class is known at every free: coroutine frames and pooled
    /// objects are freed through the sized operator delete, with the size they were made with.
    static constexpr std::size_t trailer = sizeof(void*);
    /// The bytes of a block of class c, trailer included.
    static constexpr std::size_t block_bytes(std::size_t c) noexcept {
        return (c + 1) * granule + trailer;
    }
    /// Own frees beyond this many bytes of a class go back to the heap. Large enough for a burst
    /// of 10 000 tasks spawned from one thread and joined there (a driver spawning remotely frees
    /// the cells itself, once their handles are dropped): a cap of 1024 blocks sent 9 of 10 of
    /// them back to malloc each round in spawn_many_remote_idle.
    static constexpr std::size_t max_local_bytes = std::size_t(1) << 20;
    /// Blocks of line pairs have no cap here: past one, a burst of frees went block by block to
    /// the shared spare list under its lock, and the next burst took them back the same way
    /// (two lock pairs per task); the memory this keeps is the header comment's.
    static constexpr unsigned max_local(std::size_t c) noexcept {
        if (WEIR_FRAME_POOL_LINES) return ~0u;
        return static_cast<unsigned>(max_local_bytes / ((c % classes + 1) * granule));
    }

    /// Remote frees beyond this many bytes of a class go back to the heap (at most 65,535 blocks:
    /// the depth's 16 bits in the head word). Four times the local cap: a burst of 10 000 tasks
    /// spawned by one thread and finished by others must come back whole, or the next burst
    /// pays malloc for the difference (spawn_many_remote_idle).
    static constexpr std::size_t max_remote_bytes = std::size_t(4) << 20;
    // The remote stack's head word: the top block's address in the low ptr_bits bits, the
    // stack's depth above them. User-space addresses fit in 48 bits on the 64-bit targets (a block
    // that does not is simply not pooled).
    static constexpr unsigned ptr_bits = sizeof(void*) >= 8 ? 48 : 32;
    static constexpr std::uint64_t ptr_mask = (std::uint64_t(1) << ptr_bits) - 1;
    static constexpr std::uint64_t depth_one = std::uint64_t(1) << ptr_bits;
    static constexpr std::uint64_t max_remote(std::size_t c) noexcept {
        std::uint64_t n = max_remote_bytes / ((c % classes + 1) * granule);
        return n < 65535 ? n : 65535;
    }

    // The lists: one set of classes per block_kind, indexed kind * classes + class.
    static constexpr std::size_t kinds = 2;
    void* local[kinds * classes] = {};                        // the owner thread's only
    unsigned count[kinds * classes] = {};                     // blocks in local[c]
    std::atomic<std::uint64_t> remote[kinds * classes] = {};  // head word (see above), pushed
                                                              // by other threads, taken whole
    frame_cache* next_orphan = nullptr;                       // guarded by orphans_lock()

    static std::size_t class_of(std::size_t n) noexcept { return (n + granule - 1) / granule - 1; }
    /// The list (index into local, count, remote) of size class c for blocks of this kind.
    static std::size_t list_of(std::size_t c, block_kind kind) noexcept {
        return static_cast<std::size_t>(kind) * classes + c;
    }
    /// The owner of block p of class c (null: no cache keeps it).
    static frame_cache*& owner_of(void* p, std::size_t c) noexcept {
        return *reinterpret_cast<frame_cache**>(static_cast<unsigned char*>(p) + block_bytes(c) -
                                                trailer);
    }
    static void* next_of(void* p) noexcept { return *static_cast<void**>(p); }
    static void set_next(void* p, void* n) noexcept { *static_cast<void**>(p) = n; }
#if WEIR_FRAME_POOL_LINES
    /// A new block of size class c, a whole number of line pairs, from the chunks of
    /// core/src/frame_pool.cpp.
    static void* new_block(std::size_t c);
    /// A block no cache keeps: onto the shared spare list of its class (never to the heap).
    static void release_block(void* p, std::size_t list) noexcept;
#else
    /// A new block of size class c, from the heap.
    static void* new_block(std::size_t c) { return ::operator new(block_bytes(c)); }
    /// Back to the heap: a block of the list `list` (kind and class).
    static void release_block(void* p, std::size_t /*list*/) noexcept { ::operator delete(p); }
#endif
    static void* top_of(std::uint64_t head) noexcept {
        return reinterpret_cast<void*>(static_cast<std::uintptr_t>(head & ptr_mask));
    }

    void* take(std::size_t c) noexcept {
        void* p = local[c];
        if (!p) {
            std::uint64_t head = remote[c].exchange(0, std::memory_order_acquire);
            p = top_of(head);
            if (!p) return nullptr;
            count[c] = static_cast<unsigned>(head >> ptr_bits);  // they are local blocks now
        }
        if (count[c]) --count[c];
        local[c] = next_of(p);
        return p;
    }
    void give_local(std::size_t c, void* p) noexcept {
        if (count[c] >= max_local(c)) {
            release_block(p, c);
            return;
        }
        set_next(p, local[c]);
        local[c] = p;
        ++count[c];
    }
    /// One CAS, as without the cap: the depth is read from the head word it replaces.
    void give_remote(std::size_t c, void* p) noexcept {
        auto bits = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(p));
        if (bits & ~ptr_mask) {  // an address beyond the packing (not seen in practice)
            release_block(p, c);
            return;
        }
        std::uint64_t head = remote[c].load(std::memory_order_relaxed);
        do {
            if ((head >> ptr_bits) >= max_remote(c)) {  // full: back to the heap (or spare)
                release_block(p, c);
                return;
            }
            set_next(p, top_of(head));
        } while (!remote[c].compare_exchange_weak(head, bits | ((head & ~ptr_mask) + depth_one),
                                                  std::memory_order_release,
                                                  std::memory_order_relaxed));
    }
    /// The thread ends: its free blocks go back to the heap (or the spare lists), the cache
    /// waits for adoption.
    void orphan() noexcept;
    static frame_cache* adopt_or_make();
    static std::mutex& orphans_lock() noexcept {
        static std::mutex m;
        return m;
    }
    static frame_cache*& orphans() noexcept {
        static frame_cache* list = nullptr;
        return list;
    }
};

inline void frame_cache::orphan() noexcept {
    for (std::size_t c = 0; c < kinds * classes; ++c) {
        for (void* p = local[c]; p;) {
            void* n = next_of(p);
            release_block(p, c);
            p = n;
        }
        for (void* p = top_of(remote[c].exchange(0, std::memory_order_acquire)); p;) {
            void* n = next_of(p);
            release_block(p, c);
            p = n;
        }
        local[c] = nullptr;
        count[c] = 0;
    }
    std::lock_guard<std::mutex> g(orphans_lock());
    next_orphan = orphans();
    orphans() = this;
}

inline frame_cache* frame_cache::adopt_or_make() {
    {
        std::lock_guard<std::mutex> g(orphans_lock());
        if (frame_cache* c = orphans()) {
            orphans() = c->next_orphan;
            return c;
        }
    }
    return new frame_cache();
}

/// The calling thread's cache (null until its first frame_alloc, and again once the thread is
/// ending). Plain pointers, so no TLS init function is needed: mingw-w64 emits one per object
/// file for an inline thread_local with a destructor, and the link then fails.
inline thread_local frame_cache* frame_tls = nullptr;
inline thread_local bool frame_tls_ended = false;
/// Makes or adopts the calling thread's cache and arranges for its orphaning when the thread
/// ends (core/src/frame_pool.cpp).
frame_cache* frame_cache_attach();

inline frame_cache* frame_cache_get() {
    if (frame_tls || frame_tls_ended) return frame_tls;
    return frame_cache_attach();
}

inline void* frame_alloc(std::size_t n, block_kind kind = block_kind::frame) {
    std::size_t c = frame_cache::class_of(n);
    frame_cache* me = c < frame_cache::classes ? frame_cache_get() : nullptr;
    if (!me) {  // too big for the classes, or the thread is ending: no owner, no cache
        if (c < frame_cache::classes) {
            void* p = frame_cache::new_block(c);
            frame_cache::owner_of(p, c) = nullptr;
            return p;
        }
        return ::operator new(n);
    }
    if (void* p = me->take(frame_cache::list_of(c, kind))) return p;
    void* p = frame_cache::new_block(c);
    frame_cache::owner_of(p, c) = me;
    return p;
}

inline void frame_free(void* p, std::size_t n, block_kind kind = block_kind::frame) noexcept {
    std::size_t c = frame_cache::class_of(n);
    if (c >= frame_cache::classes) {
        ::operator delete(p);
        return;
    }
    frame_cache* owner = frame_cache::owner_of(p, c);
    if (!owner) {
        frame_cache::release_block(p, c);
        return;
    }
    frame_cache* me = frame_tls;  // no new cache just to free
    if (owner == me)
        owner->give_local(frame_cache::list_of(c, kind), p);
    else
        owner->give_remote(frame_cache::list_of(c, kind), p);
}
#else
inline void* frame_alloc(std::size_t n, block_kind = block_kind::frame) {
    return ::operator new(n);
}
inline void frame_free(void* p, std::size_t, block_kind = block_kind::frame) noexcept {
    ::operator delete(p);
}
#endif

/// Gives a class the frame cache as its operator new, from the lists of blocks of kind K.
template <block_kind K>
struct pooled_as {
    static void* operator new(std::size_t n) { return frame_alloc(n, K); }
    static void operator delete(void* p, std::size_t n) noexcept { frame_free(p, n, K); }
};
/// For coroutine promises and other pooled objects.
using pooled = pooled_as<block_kind::frame>;
/// For a spawned task's cell.
using pooled_cell = pooled_as<block_kind::cell>;

}  // namespace weir::detail

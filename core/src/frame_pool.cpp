// The per-thread half of the frame cache (detail/frame_pool.hpp) that cannot live in a header:
// the thread_local whose destructor orphans the thread's cache when the thread ends; and, in a
// WebAssembly threads build, where the blocks come from (below).
#include "weir/detail/frame_pool.hpp"

#include <mutex>
#include <new>

namespace weir::detail {

#if WEIR_FRAME_POOL
namespace {
struct frame_cache_owner {
    frame_cache* cache = nullptr;
    ~frame_cache_owner() {
        frame_tls_ended = true;
        frame_tls = nullptr;
        if (cache) cache->orphan();
    }
};
thread_local frame_cache_owner owner;
}  // namespace

frame_cache* frame_cache_attach() {
    owner.cache = frame_cache::adopt_or_make();
    frame_tls = owner.cache;
    return owner.cache;
}

#if WEIR_FRAME_POOL_LINES
// Blocks of whole pairs of cache lines (frame_pool.hpp says why). Not from operator new with an
// alignment: Emscripten's dlmalloc pays for each aligned block with a fragment beside it. They
// are carved one after the other from 64 KiB chunks instead and never given back to the heap: a
// block that no cache keeps (past the remote cap, or when its thread ends) goes to a spare list
// of its size class shared by all threads, which new_block takes from before it carves.
// WebAssembly memory never shrinks, so the heap could only have reused them for allocations of
// other sizes. All under one lock: the slow path, once per block the caches do not have.
namespace {
struct line_heap {
    static constexpr std::size_t pair = 128;
    static constexpr std::size_t chunk_bytes = std::size_t(64) << 10;
    std::mutex m;
    void* spare[frame_cache::classes] = {};
    unsigned char* chunk = nullptr;  // the rest of the current chunk
    std::size_t left = 0;
};
line_heap& lines() {
    static line_heap* h = new line_heap;  // never destroyed: blocks may be freed at exit
    return *h;
}
}  // namespace

void* frame_cache::new_block(std::size_t c) {
    std::size_t bytes = (block_bytes(c) + line_heap::pair - 1) & ~(line_heap::pair - 1);
    line_heap& h = lines();
    std::lock_guard<std::mutex> g(h.m);
    if (void* p = h.spare[c]) {
        h.spare[c] = next_of(p);
        return p;
    }
    if (h.left < bytes) {  // the rest of the old chunk (less than one block) stays unused
        h.chunk = static_cast<unsigned char*>(
            ::operator new (line_heap::chunk_bytes, std::align_val_t{line_heap::pair}));
        h.left = line_heap::chunk_bytes;
    }
    unsigned char* raw = h.chunk;
    h.chunk += bytes;
    h.left -= bytes;
    return raw;
}

void frame_cache::release_block(void* p, std::size_t list) noexcept {
    std::size_t c = list % classes;
    line_heap& h = lines();
    std::lock_guard<std::mutex> g(h.m);
    set_next(p, h.spare[c]);
    h.spare[c] = p;
}
#endif
#endif

}  // namespace weir::detail

// The per-thread half of the frame cache (detail/frame_pool.hpp) that cannot live in a header:
// the thread_local whose destructor orphans the thread's cache when the thread ends.
#include "weir/detail/frame_pool.hpp"

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
#endif

}  // namespace weir::detail

// weir::stream: asynchronous stream pipelines (sources, adapters, consumers), modelled on Rust's
// futures::stream and tokio-stream. Including this header brings in all of them. The model
// (pull-based, lazy, backpressure, cancellation, errors) is explained in docs/streams.md and in
// weir/stream/stream_base.hpp.
#pragma once

#include "stream/boxed.hpp"
#include "stream/fallible.hpp"
#include "stream/generator.hpp"
#include "stream/stream_base.hpp"

// sources
#include "stream/from_channel.hpp"
#include "stream/interval.hpp"
#include "stream/iter.hpp"
#include "stream/once.hpp"

// adapters
#include "stream/buffer_unordered.hpp"
#include "stream/buffered.hpp"
#include "stream/chain.hpp"
#include "stream/chunks.hpp"
#include "stream/chunks_timeout.hpp"
#include "stream/enumerate.hpp"
#include "stream/filter.hpp"
#include "stream/filter_map.hpp"
#include "stream/flat_map.hpp"
#include "stream/flatten.hpp"
#include "stream/flatten_unordered.hpp"
#include "stream/inspect.hpp"
#include "stream/map.hpp"
#include "stream/merge.hpp"
#include "stream/peekable.hpp"
#include "stream/scan.hpp"
#include "stream/select_all.hpp"
#include "stream/skip.hpp"
#include "stream/skip_while.hpp"
#include "stream/spawn_buffered.hpp"
#include "stream/stage.hpp"
#include "stream/take.hpp"
#include "stream/take_until.hpp"
#include "stream/take_while.hpp"
#include "stream/then.hpp"
#include "stream/throttle.hpp"
#include "stream/timeout.hpp"
#include "stream/try_buffered.hpp"
#include "stream/try_chunks.hpp"
#include "stream/zip.hpp"

// consumers
#include "stream/any_all.hpp"
#include "stream/collect.hpp"
#include "stream/count.hpp"
#include "stream/fold.hpp"
#include "stream/for_each.hpp"
#include "stream/for_each_concurrent.hpp"
#include "stream/next.hpp"
#include "stream/sum.hpp"
#include "stream/try_collect.hpp"
#include "stream/try_for_each.hpp"

// The whole public API of weir in one include: tasks and the runtime, timers, cancellation,
// combinators, channels, synchronisation primitives and stream pipelines.
#pragma once

#include "cancellation_token.hpp"
#include "errors.hpp"
#include "join.hpp"
#include "join_all.hpp"
#include "join_handle.hpp"
#include "mpsc.hpp"
#include "mutex.hpp"
#include "net/socket_address.hpp"
#include "notify.hpp"
#include "oneshot.hpp"
#include "runtime.hpp"
#include "select.hpp"
#include "semaphore.hpp"
#include "spawn.hpp"
#include "stream.hpp"
#include "task.hpp"
#include "task_local.hpp"
#include "time.hpp"
#include "try_join.hpp"
#include "version.hpp"

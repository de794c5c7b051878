// Small helpers shared by the core tests.
#pragma once

#include <cstddef>
#include <utility>
#include <weir/weir.hpp>

namespace weir_test {

/// Runtime options with n worker threads.
inline weir::runtime::options workers(std::size_t n) {
    return weir::runtime::options{.worker_threads = n};
}

/// Runs t as a spawned task (on a worker) and gives its value. block_on's own task runs on the
/// calling thread; tests about what happens on a worker use this.
template <class T>
weir::task<T> on_worker(weir::task<T> t) {
    co_return co_await weir::spawn(std::move(t));
}

}  // namespace weir_test

// weir::stream::from_channel: the values received on an mpsc channel, as a stream that ends when
// every sender is gone and the channel is drained. The stream owns the receiver. A pull is the
// channel's own receive (no task frame per item); it waits while the channel is empty.
#pragma once

#include <stdexcept>
#include <utility>

#include "../mpsc.hpp"
#include "stream_base.hpp"

namespace weir::stream {

template <class T>
class channel_stream : public stream_base<channel_stream<T>, T> {
public:
    explicit channel_stream(mpsc::receiver<T> rx) : rx_(std::move(rx)) {
        if (!rx_.state())
            throw std::invalid_argument("weir::stream::from_channel: the receiver is empty");
    }
    mpsc::detail::recv_op<T> pull() noexcept { return mpsc::detail::recv_op<T>{rx_.state()}; }

private:
    mpsc::receiver<T> rx_;
};

/// Values from rx, in the order they were sent, until every sender is dropped.
template <class T>
channel_stream<T> from_channel(mpsc::receiver<T> rx) {
    return channel_stream<T>(std::move(rx));
}

}  // namespace weir::stream

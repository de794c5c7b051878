// What the io_uring driver (uring.cpp) keeps about one operation, and how an operation
// becomes a submission queue entry (uring_prep.cpp): the part of the driver that knows each
// io_kind, kept apart from the ring's locking, submitting and reaping.
#pragma once

#include <liburing.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <new>

#include "weir/detail/io.hpp"

namespace weir::detail::uring {

// user_data values that are not io_op pointers (which are at least 8-aligned).
constexpr std::uint64_t tag_eventfd = 1;
constexpr std::uint64_t tag_cancel = 3;
constexpr std::uint64_t tag_cancel_all = 5;
constexpr std::uint64_t tag_probe = 7;
/// The most one request moves (Linux's MAX_RW_COUNT); the length field is 32 bits.
constexpr std::size_t max_io = 0x7ffff000;
static_assert(max_io == io_max_len);

// A vectored operation's io_vec array goes to the kernel as its iovec array.
static_assert(sizeof(io_vec) == sizeof(iovec) && alignof(io_vec) == alignof(iovec) &&
              offsetof(io_vec, base) == offsetof(iovec, iov_base) &&
              offsetof(io_vec, len) == offsetof(iovec, iov_len));
inline iovec* iovecs_of(const io_op* op) noexcept { return static_cast<iovec*>(op->buf); }

struct ring_slot;

/// What the driver keeps in io_op::scratch while the operation is in flight.
struct op_room {
    msghdr msg;  // send_to / recv_from, recv_vec / send_vec
    iovec iov;
    io_op* prev;  // the list of operations in flight, kept only without CANCEL_ANY
    io_op* next;
    ring_slot* slot;  // the ring the operation went to (a cancel must go there too)
};
static_assert(sizeof(op_room) <= sizeof(io_op::scratch) && alignof(op_room) <= 8);
inline op_room* room_of(io_op* op) noexcept {
    return std::launder(reinterpret_cast<op_room*>(op->scratch));
}

/// Fills sqe for op, with room (op's scratch) for what the kernel reads while the request is
/// in flight. A transfer longer than max_io is cut to it (op->len), which callers handle.
void prep(io_uring_sqe* sqe, io_op* op, op_room* room) noexcept;

}  // namespace weir::detail::uring

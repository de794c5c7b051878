// Turning an io_op into an io_uring submission queue entry (declared in uring_op.hpp): one
// liburing prep call per io_kind. Operations that pass a msghdr (send_to, recv_from and the
// vectored socket transfers) build it in the operation's scratch room, which lives until the
// request completes, as the kernel may read it until then.
#include <algorithm>

#include "uring_op.hpp"

namespace weir::detail::uring {

/// MSG_PEEK when asked; MSG_TRUNC on a datagram receive, so that the result is the
/// datagram's full size even when it did not fit (io.hpp).
static unsigned recv_flags(const io_op* op) noexcept {
    unsigned f = (op->flags & io_flag_peek) ? MSG_PEEK : 0;
    if (op->kind == io_kind::recv_from || (op->flags & io_flag_datagram)) f |= MSG_TRUNC;
    return f;
}

void prep(io_uring_sqe* sqe, io_op* op, op_room* room) noexcept {
    int fd = static_cast<int>(op->handle);
    op->len = std::min(op->len, max_io);  // a shorter transfer, which callers handle
    // (A vectored operation's len counts buffers, at most io_max_vecs, which the cut leaves
    // alone; the core keeps their total within io_max_len, which is max_io.)
    unsigned len = static_cast<unsigned>(op->len);
    switch (op->kind) {
        case io_kind::nop:
            io_uring_prep_nop(sqe);
            break;
        case io_kind::read:
            io_uring_prep_read(sqe, fd, op->buf, len, op->offset);
            break;
        case io_kind::write:
            io_uring_prep_write(sqe, fd, op->buf, len, op->offset);
            break;
        case io_kind::recv:
            io_uring_prep_recv(sqe, fd, op->buf, op->len, recv_flags(op));
            break;
        case io_kind::send:
            io_uring_prep_send(sqe, fd, op->buf, op->len, MSG_NOSIGNAL);
            break;
        case io_kind::accept:
            io_uring_prep_accept(sqe, fd, static_cast<sockaddr*>(op->addr),
                                 reinterpret_cast<socklen_t*>(op->addrlen), SOCK_CLOEXEC);
            break;
        case io_kind::connect:
            io_uring_prep_connect(sqe, fd, static_cast<const sockaddr*>(op->addr),
                                  static_cast<socklen_t>(*op->addrlen));
            break;
        case io_kind::fsync:
            io_uring_prep_fsync(sqe, fd, 0);
            break;
        case io_kind::close:
            io_uring_prep_close(sqe, fd);
            break;
        case io_kind::read_vec:
            io_uring_prep_readv(sqe, fd, iovecs_of(op), len, op->offset);
            break;
        case io_kind::write_vec:
            io_uring_prep_writev(sqe, fd, iovecs_of(op), len, op->offset);
            break;
        case io_kind::recv_vec:
        case io_kind::send_vec: {
            // sendmsg / recvmsg rather than writev / readv: a send must pass MSG_NOSIGNAL.
            msghdr* msg = &room->msg;
            *msg = msghdr{};
            msg->msg_iov = iovecs_of(op);
            msg->msg_iovlen = op->len;
            if (op->kind == io_kind::send_vec)
                io_uring_prep_sendmsg(sqe, fd, msg, MSG_NOSIGNAL);
            else
                io_uring_prep_recvmsg(sqe, fd, msg, 0);
            break;
        }
        case io_kind::send_to:
        case io_kind::recv_from: {
            msghdr* msg = &room->msg;
            iovec* iov = &room->iov;
            *msg = msghdr{};
            *iov = iovec{op->buf, op->len};
            msg->msg_name = op->addr;
            msg->msg_namelen = *op->addrlen;
            msg->msg_iov = iov;
            msg->msg_iovlen = 1;
            if (op->kind == io_kind::send_to)
                io_uring_prep_sendmsg(sqe, fd, msg, MSG_NOSIGNAL);
            else
                io_uring_prep_recvmsg(sqe, fd, msg, recv_flags(op));
            break;
        }
    }
}

}  // namespace weir::detail::uring

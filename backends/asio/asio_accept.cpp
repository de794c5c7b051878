// Accepting connections on the Asio driver (the class is in asio_driver.hpp). POSIX and Windows
// accept differently, both so that a child process never inherits a new connection:
//
// Accepts on POSIX are weir's own accept4(SOCK_CLOEXEC), with Asio only waiting for the
// listener to be readable: Asio's async_accept accepts without SOCK_CLOEXEC, and setting
// FD_CLOEXEC afterwards leaves a window in which a fork+exec on another thread inherits the
// connection (the child then holds it open). The accepted descriptor is reported as is: the
// driver makes its Asio object on the socket's first operation, as for any other handle.
//
// On Windows, Asio's async_accept (AcceptEx) is used; the new socket is made non-inheritable at
// once and goes straight into the driver's table, registered with the completion port once.

#include <cerrno>
#include <mutex>
#include <new>
#include <utility>

#include "asio_driver.hpp"

#ifndef _WIN32
#include <sys/socket.h>
#endif

namespace weir::detail::asio_backend {

#ifndef _WIN32

/// Under table_lock_: accepts now if a connection waits, else waits for one (and tries
/// again from on_acceptable). Errors other than "nothing yet" end the operation.
void asio_driver::accept_or_wait(io_op* op, stream_acceptor& a) {
    error_code ec;
    a.native_non_blocking(true, ec);  // so accept4 never blocks (Asio sets it too)
    for (;;) {
        int fd = ::accept4(a.native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) {
            post_result(op, fd);
            return;
        }
        if (errno == EINTR || errno == ECONNABORTED) continue;  // try the next one
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            post_result(op, -errno);
            return;
        }
        break;
    }
    if (state_of(op)->st.load(std::memory_order_acquire) != op_state::pending) {
        // Cancelled while we were not waiting (between a wake-up and this new wait): the
        // cancellation was emitted into no operation, so end here.
        post_result(op, -ECANCELED);
        return;
    }
    a.async_wait(
        stream_acceptor::wait_read,
        asio::bind_cancellation_slot(state_of(op)->signal.slot(),
                                     [this, op](const error_code& e) { on_acceptable(op, e); }));
}

/// The listener became readable (or the wait was cancelled or failed).
void asio_driver::on_acceptable(io_op* op, const error_code& ec) noexcept {
    if (ec) {
        complete(op, to_result(ec, 0));
        return;
    }
    try {
        std::lock_guard<std::mutex> t(table_lock_);
        auto it = table_.find(op->handle);
        stream_acceptor* a = it == table_.end() || it->second.gen != state_of(op)->gen
                                 ? nullptr
                                 : std::get_if<stream_acceptor>(&it->second.obj);
        if (!a) {  // the listener was closed meanwhile
            post_result(op, -EBADF);
            return;
        }
        accept_or_wait(op, *a);
    } catch (const std::bad_alloc&) {
        complete(op, -ENOMEM);
    } catch (...) {
        complete(op, -EIO);
    }
}

#endif

#ifdef _WIN32

void asio_driver::on_accepted(io_op* op, const error_code& ec, stream_proto::socket peer) {
    if (ec) {
        complete(op, to_result(ec, 0));
        return;
    }
    auto h = static_cast<std::intptr_t>(peer.native_handle());
    // Not inherited by child processes, as weir's own sockets. (Asio's AcceptEx socket is
    // inheritable until this call; a CreateProcess that inherits handles in between would
    // take it: POSIX accepts with accept4(SOCK_CLOEXEC) above.)
    ::SetHandleInformation(reinterpret_cast<HANDLE>(h), HANDLE_FLAG_INHERIT, 0);
    bool kept;
    {
        std::lock_guard<std::mutex> t(table_lock_);
        kept = insert(h, peer) != nullptr;
    }
    if (!kept) {  // no memory to keep it: drop the connection, report the error
        ::closesocket(native(h));
        complete(op, -ENOMEM);
        return;
    }
    complete(op, h);
}

#endif

}  // namespace weir::detail::asio_backend

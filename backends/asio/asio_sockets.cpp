// Starting socket operations on the Asio driver (the class is in asio_driver.hpp). Asio works
// on its own socket objects, not on descriptors, so each handle gets one on first use (object),
// made for the socket's address family and protocol; each operation kind is then one Asio call,
// bound to the operation's cancellation slot so that a cancellation reaches that operation
// only. Operations start under table_lock_: Asio objects are not safe to use from several
// threads at once. Accepts are in asio_accept.cpp, files in asio_files.cpp.

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>

#include "asio_driver.hpp"

#ifndef _WIN32
#include <sys/socket.h>
#endif

namespace weir::detail::asio_backend {

/// The Asio object for op's handle, made on first use. Under table_lock_. On failure sets
/// err (an errno) and returns null.
template <class T>
T* asio_driver::object(io_op* op, int& err) {
    auto it = table_.find(op->handle);
    if (it != table_.end()) {
        T* p = std::get_if<T>(&it->second.obj);
        if (!p) err = EINVAL;  // used before as another kind of handle
        state_of(op)->gen = it->second.gen;
        return p;
    }
    int family = family_of(op);
    if (family < 0) {
        err = -family;
        return nullptr;
    }
    T obj(ctx_);
    error_code ec;
    // IP sockets name their protocol; a Unix-domain socket has none (0).
    bool ip = family == AF_INET || family == AF_INET6;
    if constexpr (std::is_same_v<T, dgram_proto::socket>)
        obj.assign(dgram_proto(family, ip ? IPPROTO_UDP : 0), native(op->handle), ec);
    else
        obj.assign(stream_proto(family, ip ? IPPROTO_TCP : 0), native(op->handle), ec);
    if (ec) {
        err = static_cast<int>(-to_result(ec, 0));
        return nullptr;
    }
    handle_entry* e = insert(op->handle, obj);
    if (!e) {
        err = ENOMEM;
        return nullptr;
    }
    state_of(op)->gen = e->gen;
    return &std::get<T>(e->obj);
}

void asio_driver::start(io_op* op) {
    switch (op->kind) {
        case io_kind::nop:
            post_result(op, 0);
            return;
        case io_kind::close:
            post_result(op, close_now(op->handle));
            return;
        case io_kind::read:
        case io_kind::write:
        case io_kind::read_vec:
        case io_kind::write_vec:
        case io_kind::fsync:
            start_file(op);
            return;
        default:
            break;
    }
    auto handler_slot = [](asio::cancellation_slot sl, auto&& h) {
        return asio::bind_cancellation_slot(sl, std::forward<decltype(h)>(h));
    };
    asio::cancellation_slot slot = state_of(op)->signal.slot();
    std::lock_guard<std::mutex> t(table_lock_);
    int err = 0;
    switch (op->kind) {
        case io_kind::accept: {
            auto* a = object<stream_acceptor>(op, err);
            if (!a) break;
#ifdef _WIN32
            a->async_accept(
                handler_slot(slot, [this, op](const error_code& ec, stream_proto::socket peer) {
                    on_accepted(op, ec, std::move(peer));
                }));
#else
            accept_or_wait(op, *a);
#endif
            return;
        }
        case io_kind::connect: {
            auto* s = object<stream_proto::socket>(op, err);
            if (!s) break;
            stream_proto::endpoint to(op->addr, *op->addrlen);
            s->async_connect(to, handler_slot(slot, [this, op](const error_code& ec) {
                                 complete(op, to_result(ec, 0));
                             }));
            return;
        }
        case io_kind::recv: {
            if (op->flags & io_flag_datagram) {
                auto* s = object<dgram_proto::socket>(op, err);
                if (!s) break;
#ifndef _WIN32
                // MSG_TRUNC gives the full size: nothing to keep beside the operation.
                s->async_receive(
                    asio::buffer(op->buf, op->len), recv_flags(op),
                    handler_slot(slot, [this, op](const error_code& ec, std::size_t n) {
                        complete(op, to_result(ec, n));
                    }));
#else
                auto in = std::make_unique<datagram_in>(op);
                asio::mutable_buffer target = in->target(op);
                s->async_receive(target, recv_flags(op),
                                 handler_slot(slot, [this, op, in = std::move(in)](
                                                        const error_code& ec, std::size_t n) {
                                     complete(op, in->result(op, ec, n));
                                 }));
#endif
                return;
            }
            auto* s = object<stream_proto::socket>(op, err);
            if (!s) break;
            s->async_receive(asio::buffer(op->buf, op->len), recv_flags(op),
                             handler_slot(slot, [this, op](const error_code& ec, std::size_t n) {
                                 complete(op, to_result(ec, n));
                             }));
            return;
        }
        case io_kind::send: {
            auto on_done = handler_slot(slot, [this, op](const error_code& ec, std::size_t n) {
                complete(op, to_result(ec, n));
            });
            if (op->flags & io_flag_datagram) {
                auto* s = object<dgram_proto::socket>(op, err);
                if (!s) break;
                s->async_send(asio::buffer(op->buf, op->len), std::move(on_done));
                return;
            }
            auto* s = object<stream_proto::socket>(op, err);
            if (!s) break;
            s->async_send(asio::buffer(op->buf, op->len), std::move(on_done));
            return;
        }
        case io_kind::recv_vec: {
            auto* s = object<stream_proto::socket>(op, err);
            if (!s) break;
            s->async_receive(vec_buffers<asio::mutable_buffer>(op), 0,
                             handler_slot(slot, [this, op](const error_code& ec, std::size_t n) {
                                 complete(op, to_result(ec, n));
                             }));
            return;
        }
        case io_kind::send_vec: {
            auto* s = object<stream_proto::socket>(op, err);
            if (!s) break;
            s->async_send(vec_buffers<asio::const_buffer>(op),
                          handler_slot(slot, [this, op](const error_code& ec, std::size_t n) {
                              complete(op, sent_result(ec, n));
                          }));
            return;
        }
        case io_kind::send_to: {
            auto* s = object<dgram_proto::socket>(op, err);
            if (!s) break;
            dgram_proto::endpoint to(op->addr, *op->addrlen);
            s->async_send_to(asio::buffer(op->buf, op->len), to,
                             handler_slot(slot, [this, op](const error_code& ec, std::size_t n) {
                                 complete(op, to_result(ec, n));
                             }));
            return;
        }
        case io_kind::recv_from: {
            auto* s = object<dgram_proto::socket>(op, err);
            if (!s) break;
            // The sender's address (and on Windows the landing buffer) must stay put until
            // the completion: one allocation, owned by the handler.
            auto in = std::make_unique<datagram_in>(op);
            datagram_in& ref = *in;
            s->async_receive_from(
                ref.target(op), ref.from, recv_flags(op),
                handler_slot(
                    slot, [this, op, in = std::move(in)](const error_code& ec, std::size_t n) {
                        std::int64_t r = in->result(op, ec, n);
                        if (r >= 0) {
                            std::size_t len = std::min<std::size_t>(in->from.size(), *op->addrlen);
                            std::memcpy(op->addr, in->from.data(), len);
                            *op->addrlen = static_cast<std::uint32_t>(len);
                        }
                        complete(op, r);
                    }));
            return;
        }
        default:
            err = EINVAL;
            break;
    }
    post_result(op, -err);
}

/// MSG_PEEK when asked; on Linux also MSG_TRUNC for a datagram receive, so that the result
/// is the datagram's full size even when it did not fit (io.hpp). Windows has no MSG_TRUNC
/// for receives: there the datagram lands whole in datagram_in's buffer instead.
asio::socket_base::message_flags asio_driver::recv_flags(const io_op* op) noexcept {
    int f = (op->flags & io_flag_peek) ? asio::socket_base::message_peek : 0;
#ifndef _WIN32
    if (op->kind == io_kind::recv_from || (op->flags & io_flag_datagram)) f |= MSG_TRUNC;
#endif
    return f;
}

datagram_in::datagram_in([[maybe_unused]] const io_op* op) {
#ifdef _WIN32
    if (op->len < max_datagram) landing.reset(new std::byte[max_datagram]);
#endif
}

asio::mutable_buffer datagram_in::target(io_op* op) const noexcept {
    if (landing) return asio::buffer(landing.get(), max_datagram);
    return asio::buffer(op->buf, op->len);
}

std::int64_t datagram_in::result(io_op* op, const error_code& ec, std::size_t n) const noexcept {
    if (ec == asio::error::message_size) return static_cast<std::int64_t>(op->len) + 1;
    std::int64_t r = to_result(ec, n);
    if (r > 0 && landing) std::memcpy(op->buf, landing.get(), std::min(n, op->len));
    return r;
}

/// The address family of op's socket: a connect's target tells it, else the socket's own
/// (bound) address. Minus an errno on failure.
int asio_driver::family_of(io_op* op) noexcept {
    if (op->kind == io_kind::connect) return reinterpret_cast<const sockaddr*>(op->addr)->sa_family;
    sockaddr_storage ss{};
#ifdef _WIN32
    int len = sizeof ss;
    if (::getsockname(native(op->handle), reinterpret_cast<sockaddr*>(&ss), &len) != 0)
        return -to_errno(::WSAGetLastError());
#else
    socklen_t len = sizeof ss;
    if (::getsockname(native(op->handle), reinterpret_cast<sockaddr*>(&ss), &len) != 0)
        return -errno;
#endif
    return ss.ss_family;
}

}  // namespace weir::detail::asio_backend

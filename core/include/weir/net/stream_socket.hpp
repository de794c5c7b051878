// What every stream socket of weir::net shares (tcp_stream, unix_stream): the owned OS handle,
// and reading, peeking, writing and shutting down through the runtime's I/O driver, with the
// cancel safety each call documents. Written once, as a base class template whose parameter
// only names the calls in error messages ("weir::net::tcp_stream::read"), so that each
// stream type reports errors under its own name without a string built per call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "../detail/io_awaiter.hpp"
#include "../detail/io_vectors.hpp"
#include "../detail/kept_input.hpp"
#include "../detail/net_sys.hpp"
#include "../errors.hpp"
#include "../task.hpp"
#include "socket_options.hpp"

namespace weir::net {

/// Thrown by read_exact when the peer ends the stream before the buffer is full.
class end_of_stream : public std::system_error {
public:
    end_of_stream(std::size_t got, std::size_t wanted,
                  const char* what = "weir::net::tcp_stream::read_exact")
        : std::system_error(std::make_error_code(std::errc::no_message_available),
                            std::string(what) + ": the peer closed the stream after " +
                                std::to_string(got) + " of " + std::to_string(wanted) + " bytes") {}
};

namespace detail {
/// Owns an OS socket handle; closes it on destruction.
class socket_handle {
public:
    socket_handle() noexcept = default;
    explicit socket_handle(std::intptr_t fd) noexcept : fd_(fd) {}
    socket_handle(socket_handle&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    socket_handle& operator=(socket_handle&& o) noexcept {
        if (this != &o) {
            weir::detail::sys_close(fd_);
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    socket_handle(const socket_handle&) = delete;
    ~socket_handle() { weir::detail::sys_close(fd_); }
    std::intptr_t get() const noexcept { return fd_; }
    /// Gives up ownership: the caller closes.
    std::intptr_t release() noexcept { return std::exchange(fd_, -1); }
    std::intptr_t require(const char* what) const {
        if (fd_ < 0)
            throw std::logic_error(std::string(what) + ": the socket is closed or moved from");
        return fd_;
    }

private:
    std::intptr_t fd_ = -1;
};

inline weir::detail::io_op make_op(weir::detail::io_kind k, std::intptr_t fd, void* buf,
                                   std::size_t len) noexcept {
    weir::detail::io_op op;
    op.kind = k;
    op.handle = fd;
    op.buf = buf;
    op.len = len;
    return op;
}
}  // namespace detail

namespace detail {
/// A connected stream socket: the calls tcp_stream and unix_stream share. Names gives each
/// call's name for errors (static constexpr const char* read, readv, read_exact, peek,
/// write_all, writev, shutdown).
template <class Names>
class stream_socket {
public:
    /// Reads what is available (at least 1 byte, waiting if needed) into buf; 0 at end of stream.
    /// One read at a time per stream.
    /// Cancel safe: a cancelled read (timeout, a losing select branch, with_cancellation) throws
    /// and consumes nothing. Bytes the kernel had already delivered into buf are kept by the
    /// stream and returned first by the next read.
    task<std::size_t> read(std::span<std::byte> buf) {
        auto op =
            make_op(weir::detail::io_kind::recv, h_.require(Names::read), buf.data(), buf.size());
        if (read_shut_) co_return 0;
        if (kept_ && !kept_->empty()) co_return kept_->take(buf);
        std::int64_t r = co_await weir::detail::io_awaiter{op, &keep_bytes, this};
        co_return static_cast<std::size_t>(weir::detail::check_io(r, Names::read));
    }
    /// Reads what is available (at least 1 byte, waiting if needed) into several buffers in one
    /// call (scatter, as POSIX readv): each buffer is filled before the next; gives the total, 0
    /// at end of stream. It may fill fewer bytes than the buffers hold, as read may: the Asio
    /// driver passes 64 buffers at most to one call. No buffers, or only empty ones: 0 at once.
    /// More than 1024 buffers (IOV_MAX) is std::invalid_argument. One read at a time per stream.
    /// Cancel safe, as read: a cancelled readv throws and consumes nothing; bytes the kernel had
    /// already delivered are kept by the stream and returned first by the next read or readv.
    task<std::size_t> readv(std::span<const std::span<std::byte>> bufs) {
        std::intptr_t fd = h_.require(Names::readv);
        weir::detail::io_vec_list v(bufs, Names::readv);
        if (read_shut_ || v.total() == 0) co_return 0;
        if (kept_ && !kept_->empty()) co_return v.take_from(*kept_);
        auto op = make_op(weir::detail::io_kind::recv_vec, fd, v.data(), v.size());
        std::int64_t r = co_await weir::detail::io_awaiter{op, &keep_vec_bytes, this};
        co_return static_cast<std::size_t>(weir::detail::check_io(r, Names::readv));
    }
    /// Copies what is available (at least 1 byte, waiting if needed) into buf without taking it:
    /// the next read or peek gets the same bytes again. 0 at end of stream.
    /// Cancel safe: a cancelled peek takes nothing, so nothing needs keeping.
    task<std::size_t> peek(std::span<std::byte> buf) {
        auto op =
            make_op(weir::detail::io_kind::recv, h_.require(Names::peek), buf.data(), buf.size());
        op.flags = weir::detail::io_flag_peek;
        if (read_shut_) co_return 0;
        if (kept_ && !kept_->empty()) co_return kept_->copy(buf);
        std::int64_t r = co_await weir::detail::io_awaiter{op};
        co_return static_cast<std::size_t>(weir::detail::check_io(r, Names::peek));
    }
    /// Fills buf completely; throws end_of_stream if the peer closes first.
    /// Cancel safe: when cancelled, the bytes already read into buf go back to the stream (in
    /// front of any it keeps), so the next read starts where this one started.
    task<void> read_exact(std::span<std::byte> buf) {
        std::size_t got = 0;
        try {
            while (got < buf.size()) {
                std::size_t n = co_await read(buf.subspan(got));
                if (n == 0) throw end_of_stream(got, buf.size(), Names::read_exact);
                got += n;
            }
        } catch (const operation_cancelled&) {
            if (got) kept().push_front(buf.data(), got);
            throw;
        }
    }
    /// Writes all of buf (several sends if the kernel takes it in parts).
    /// Not cancel safe: a cancelled write_all may have sent a part of buf (which part is not
    /// reported); the stream is then in an unknown state for the peer's framing.
    task<void> write_all(std::span<const std::byte> buf) {
        std::intptr_t fd = h_.require(Names::write_all);
        std::size_t done = 0;
        while (done < buf.size()) {
            auto op = make_op(weir::detail::io_kind::send, fd,
                              const_cast<std::byte*>(buf.data() + done), buf.size() - done);
            std::int64_t r = co_await weir::detail::io_awaiter{op};
            done += static_cast<std::size_t>(weir::detail::check_io(r, Names::write_all));
        }
    }
    /// Sends from several buffers in one call (gather, as POSIX writev), in order, waiting until
    /// the socket takes at least 1 byte; gives how many bytes went, which may be fewer than the
    /// buffers hold (a full socket buffer; the Asio driver passes 64 buffers at most to one
    /// call): send the rest with another call. No buffers, or only empty ones: 0 at once. More
    /// than 1024 buffers (IOV_MAX) is std::invalid_argument.
    /// Cancel safety: a cancelled writev throws if nothing was sent; if the send had completed
    /// in the kernel, it gives its count (weir::timeout too). As the losing branch of a select
    /// the count is dropped though the bytes went: the peer's framing is then unknown, as after
    /// a cancelled write_all.
    task<std::size_t> writev(std::span<const std::span<const std::byte>> bufs) {
        std::intptr_t fd = h_.require(Names::writev);
        weir::detail::io_vec_list v(bufs, Names::writev);
        if (v.total() == 0) co_return 0;
        auto op = make_op(weir::detail::io_kind::send_vec, fd, v.data(), v.size());
        std::int64_t r = co_await weir::detail::io_awaiter{op};
        co_return static_cast<std::size_t>(weir::detail::check_io(r, Names::writev));
    }
    /// Ends the sending side: the peer's reads then see end of stream.
    void shutdown() {
        weir::detail::sys_shutdown_write(h_.require(Names::shutdown), Names::shutdown);
    }
    /// Ends one direction, or both (socket_options.hpp): after shutdown_how::read, reads give 0
    /// (end of stream) at once on every platform, and bytes the stream kept from a read that
    /// lost a race are dropped; shutdown_how::write is shutdown().
    void shutdown(shutdown_how how) {
        weir::detail::sys_shutdown(h_.require(Names::shutdown),
                                   how == shutdown_how::read    ? weir::detail::shutdown_dir::read
                                   : how == shutdown_how::write ? weir::detail::shutdown_dir::write
                                                                : weir::detail::shutdown_dir::both,
                                   Names::shutdown);
        if (how != shutdown_how::write) {
            read_shut_ = true;
            kept_.reset();
        }
    }
    /// The OS handle (a file descriptor natively), or -1.
    std::intptr_t native_handle() const noexcept { return h_.get(); }

protected:
    stream_socket() noexcept = default;
    explicit stream_socket(socket_handle h) noexcept : h_(std::move(h)) {}
    stream_socket(stream_socket&&) noexcept = default;
    stream_socket& operator=(stream_socket&&) noexcept = default;
    ~stream_socket() = default;

    socket_handle h_;

private:
    weir::detail::kept_bytes& kept() {
        if (!kept_) kept_ = std::make_unique<weir::detail::kept_bytes>();
        return *kept_;
    }
    /// io_awaiter's give_back for read: what a lost read received waits for the next read.
    static void keep_bytes(void* self, const weir::detail::io_op& op) {
        if (op.result > 0)
            static_cast<stream_socket*>(self)->kept().push_back(
                op.buf, static_cast<std::size_t>(op.result));
    }

    /// The same for readv: the bytes lie in its buffers, in order.
    static void keep_vec_bytes(void* self, const weir::detail::io_op& op) {
        if (op.result > 0)
            weir::detail::io_vec_list::keep(static_cast<stream_socket*>(self)->kept(), op,
                                            static_cast<std::size_t>(op.result));
    }

    std::unique_ptr<weir::detail::kept_bytes> kept_;  // made when a read first loses a race
    bool read_shut_ = false;                          // shutdown(read or both) was called
};
}  // namespace detail

}  // namespace weir::net

// The I/O half of the driver interface: a platform-neutral description of one asynchronous
// operation (io_op) and the driver's entry points for it. The core and the public I/O types
// (weir::net, weir::fs) build requests; a backend (backends/uring, backends/asio) carries
// them out and reports each completion exactly once. An io_op lives in the awaiting coroutine's
// frame, like a resume_node, so an operation allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>

namespace weir::detail {

enum class io_kind : std::uint8_t {
    nop,        // completes at once (tests the path through the driver)
    read,       // read into buf at offset (files) or from the current position (offset == ~0)
    write,      // write buf at offset, or at the current position (offset == ~0)
    recv,       // receive into buf from a connected socket
    send,       // send buf on a connected socket
    accept,     // accept a connection on a listening socket; result: the new handle
    connect,    // connect a socket to addr
    fsync,      // flush a file to its device
    close,      // close a handle
    send_to,    // send buf to addr (datagram sockets)
    recv_from,  // receive into buf; the sender's address goes to addr (its size in *addrlen)
    // Vectored (scatter/gather): buf points to an array of len io_vec (below), none of them
    // empty, together at most io_max_len bytes; the result is the bytes moved, in array order.
    read_vec,   // read into the buffers at offset (files), as read
    write_vec,  // write the buffers at offset (files), as write
    recv_vec,   // receive into the buffers from a connected stream socket
    send_vec,   // send the buffers on a connected stream socket
};
// A datagram receive (recv_from, or recv with io_flag_datagram) reports the datagram's full
// size, which exceeds len when the datagram did not fit (only len bytes are then in buf); a
// driver that cannot learn the full size (IOCP) reports len + 1 for a cut datagram.

/// One buffer of a vectored operation. Laid out as POSIX's struct iovec, which the POSIX
/// backends check at compile time, so that they hand the array to the kernel as it is.
struct io_vec {
    void* base = nullptr;
    std::size_t len = 0;
};
/// The most buffers one vectored operation takes: IOV_MAX on Linux and the BSDs.
inline constexpr std::size_t io_max_vecs = 1024;
/// The most bytes one vectored operation moves (Linux's MAX_RW_COUNT), so that no length
/// (Windows' are 32 bits) can wrap.
inline constexpr std::size_t io_max_len = 0x7ffff000;

/// io_op::flags.
enum : std::uint8_t {
    /// The submitting thread is a worker of the runtime, which calls driver::flush before it
    /// looks for work elsewhere or parks: the driver may queue the operation and hand it to the
    /// kernel with others in one call (and so may decline try_now for it). Set before try_now.
    io_flag_deferrable = 1,
    /// recv / recv_from: look at the data without taking it (MSG_PEEK): the next receive gets it
    /// again.
    io_flag_peek = 2,
    /// recv / send on a connected datagram socket (udp_socket::connect), not a stream.
    io_flag_datagram = 4,
};

/// One operation. The caller fills the request, the driver fills `result` and calls complete.
struct io_op {
    io_kind kind = io_kind::nop;
    std::uint8_t flags = 0;
    std::intptr_t handle = -1;  // a file descriptor natively
    void* buf = nullptr;        // data (read/write/recv/send); an io_vec array (the *_vec kinds)
    std::size_t len = 0;        // its size in bytes; the number of io_vec (the *_vec kinds)
    std::uint64_t offset = ~std::uint64_t(0);
    void* addr = nullptr;              // a backend sockaddr (connect: in; accept: out, may be null)
    std::uint32_t* addrlen = nullptr;  // its size (accept: in/out)
    /// >= 0: bytes transferred or the new handle; < 0: minus the OS error code (errno).
    std::int64_t result = 0;
    /// Called by the driver exactly once, from whichever thread reaps the completion.
    void (*complete)(io_op*) noexcept = nullptr;
    void* context = nullptr;  // for complete: whoever waits on the operation
    /// Room the backend may use for the operation's platform structures (a msghdr and an iovec
    /// for send_to / recv_from), which must live until the operation completes.
    alignas(8) unsigned char scratch[96];
};

/// Implemented by drivers that do I/O (a driver that does not returns null from io()).
class io_driver {
public:
    /// Starts op; its completion is reported later through op->complete (possibly on another
    /// thread, never inside submit). Thread-safe.
    virtual void submit(io_op* op) noexcept = 0;
    /// Tries to carry out op at once, without blocking (a send with room in the socket
    /// buffer, a receive with data waiting). True if it did: op->result is set and op is not
    /// submitted. False: submit it. Called by the awaiting thread before it suspends.
    virtual bool try_now(io_op* op) noexcept { return false; }
    /// Asks the kernel to cancel op if it is still pending. op still completes exactly once
    /// (with -ECANCELED if the cancellation won). Thread-safe.
    virtual void cancel(io_op* op) noexcept = 0;
    /// The backend's name for runtime::io_backend(), e.g. "uring".
    virtual const char* io_name() const noexcept = 0;

protected:
    ~io_driver() = default;
};

/// Called by the socket and file types of weir::net and weir::fs (through the backends'
/// sys_close) just before they close a handle: a driver that keeps per-handle state (the asio
/// driver) drops it, closing the handle itself if it must (then it returns true and the caller
/// does not close it again). Closing a handle behind weir's back, with the OS call on
/// native_handle(), is not supported while a runtime with such a driver has used it.
bool io_release_handle(std::intptr_t handle) noexcept;

}  // namespace weir::detail

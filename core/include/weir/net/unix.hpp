// weir::net Unix-domain stream sockets: unix_listener (bind to a path, accept) and unix_stream
// (connect to a path, then the same read, readv, read_exact, peek, write_all, writev and
// shutdown as a tcp_stream, from stream_socket.hpp, with the same cancel safety). For talking
// to local daemons (Docker, databases, systemd) and between processes of one machine without
// TCP's overhead. Linux and macOS; Windows 10 1803 and later has them too (AF_UNIX in Winsock),
// weir's Windows build uses them there. A path starting with '\0' is a Linux abstract name (no
// file).
// The listener does not remove its socket file (as tokio's does not): binding a path that
// exists fails with std::errc::address_in_use; remove a stale file first.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "../detail/io_awaiter.hpp"
#include "../detail/kept_input.hpp"
#include "../detail/net_sys.hpp"
#include "../task.hpp"
#include "stream_socket.hpp"

namespace weir::net {

namespace detail {
struct unix_names {
    static constexpr const char* read = "weir::net::unix_stream::read";
    static constexpr const char* readv = "weir::net::unix_stream::readv";
    static constexpr const char* read_exact = "weir::net::unix_stream::read_exact";
    static constexpr const char* peek = "weir::net::unix_stream::peek";
    static constexpr const char* write_all = "weir::net::unix_stream::write_all";
    static constexpr const char* writev = "weir::net::unix_stream::writev";
    static constexpr const char* shutdown = "weir::net::unix_stream::shutdown";
};
}  // namespace detail

/// A connected Unix-domain stream socket.
class unix_stream : public detail::stream_socket<detail::unix_names> {
public:
    /// An unconnected (empty) stream; connect() or unix_listener::accept() give real ones.
    unix_stream() noexcept = default;
    /// Adopts a connected socket handle (internal; used by accept and connect).
    explicit unix_stream(detail::socket_handle h) noexcept : stream_socket(std::move(h)) {}
    unix_stream(unix_stream&&) noexcept = default;
    unix_stream& operator=(unix_stream&&) noexcept = default;

    /// Connects to the listener at path. std::invalid_argument for an empty or too long path;
    /// std::system_error (no_such_file_or_directory, connection_refused) if nobody listens there.
    /// Cancel safety as tcp_stream::connect.
    static task<unix_stream> connect(std::string path) {
        const char* what = "weir::net::unix_stream::connect";
        weir::detail::sockaddr_buf sa;
        std::uint32_t len = weir::detail::sys_unix_sockaddr(path, sa, what);
        detail::socket_handle h(weir::detail::sys_unix_socket(what));
        auto op = detail::make_op(weir::detail::io_kind::connect, h.get(), nullptr, 0);
        op.addr = sa.bytes;
        op.addrlen = &len;
        std::int64_t r = co_await weir::detail::io_awaiter{op};
        if (r < 0) throw weir::detail::io_error(r, std::string(what) + " " + printable(path));
        co_return unix_stream(std::move(h));
    }

    /// The path this end is bound to: "" for a connecting socket (it has no name).
    std::string local_path() const {
        return weir::detail::sys_unix_path(h_.require("weir::net::unix_stream::local_path"), false,
                                           "weir::net::unix_stream::local_path");
    }
    /// The path of the listener this stream is connected to ("" for an accepted stream's
    /// unnamed peer).
    std::string peer_path() const {
        return weir::detail::sys_unix_path(h_.require("weir::net::unix_stream::peer_path"), true,
                                           "weir::net::unix_stream::peer_path");
    }

    /// A path for messages: an abstract name's leading '\0' shown as '@'.
    static std::string printable(std::string path) {
        if (!path.empty() && path[0] == '\0') path[0] = '@';
        return path;
    }
};

/// A Unix-domain listener bound to a path.
class unix_listener {
public:
    unix_listener() noexcept = default;

    /// Binds to path and listens (backlog as tcp_listener::bind; 0 is valid, negative is
    /// std::invalid_argument). Fails with std::errc::address_in_use if the path exists.
    static unix_listener bind(const std::string& path, int backlog = 1024) {
        const char* what = "weir::net::unix_listener::bind";
        if (backlog < 0) throw std::invalid_argument(std::string(what) + ": negative backlog");
        std::intptr_t fd = weir::detail::sys_unix_socket(what);
        weir::detail::sys_bind_unix(fd, path, backlog, what);  // or closes fd
        unix_listener l;
        l.h_ = detail::socket_handle(fd);
        l.kept_ = std::make_unique<weir::detail::kept_queue<detail::socket_handle>>();
        return l;
    }

    /// Waits for the next connection. Several tasks may accept on one listener at once.
    /// Cancel safe, as tcp_listener::accept: a connection the kernel had already accepted for a
    /// cancelled accept is kept and returned by the next accept.
    task<unix_stream> accept() {
        auto op = detail::make_op(weir::detail::io_kind::accept,
                                  h_.require("weir::net::unix_listener::accept"), nullptr, 0);
        if (detail::socket_handle kept; kept_->pop(kept)) co_return unix_stream(std::move(kept));
        std::int64_t r = co_await weir::detail::io_awaiter{op, &keep_connection, this};
        co_return unix_stream(
            detail::socket_handle(weir::detail::check_io(r, "weir::net::unix_listener::accept")));
    }

    /// The path the listener is bound to.
    std::string local_path() const {
        return weir::detail::sys_unix_path(h_.require("weir::net::unix_listener::local_path"),
                                           false, "weir::net::unix_listener::local_path");
    }
    /// The OS handle (a file descriptor natively), or -1.
    std::intptr_t native_handle() const noexcept { return h_.get(); }

private:
    /// io_awaiter's give_back for accept: the connection waits for the next accept.
    static void keep_connection(void* self, const weir::detail::io_op& op) {
        detail::socket_handle h(static_cast<std::intptr_t>(op.result));  // closes if push throws
        static_cast<unix_listener*>(self)->kept_->push(std::move(h));
    }

    detail::socket_handle h_;
    /// Connections accepted for accepts that lost a race (closed with the listener).
    std::unique_ptr<weir::detail::kept_queue<detail::socket_handle>> kept_;
};

}  // namespace weir::net

// The Asio driver accepts with accept4(SOCK_CLOEXEC) (issue 16): a connection accepted with plain
// accept() and marked FD_CLOEXEC only afterwards is inherited by a child that another thread
// fork+execs in between. That window is too short to hit reliably, so this program checks the
// cause instead: it interposes accept() (a definition in the executable wins over libc's for
// the statically linked libweir), counts the calls, and fails if the driver made any, or if an
// accepted socket lacks FD_CLOEXEC. A program of its own (CTest: asio_accept_uses_accept4_with_
// cloexec), since the sanitizers intercept accept themselves. Linux only.
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <weir/weir.hpp>

namespace {
std::atomic<int> plain_accepts{0};
}

extern "C" int accept(int fd, sockaddr* addr, socklen_t* len) {
    plain_accepts.fetch_add(1);
    return ::accept4(fd, addr, len, 0);
}

int main() {
    using namespace std::chrono_literals;
    using weir::net::socket_address;
    using weir::net::tcp_listener;
    using weir::net::tcp_stream;
    weir::runtime::options o;
    o.worker_threads = 1;
    o.io_backend = "asio";
    weir::runtime rt(o);
    auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
    int flags_ok = rt.block_on([](tcp_listener& l) -> weir::task<int> {
        int ok = 0;
        for (int i = 0; i < 20; ++i) {  // some accepted at once, some after a wait
            auto connecting = weir::spawn(tcp_stream::connect(l.local_address()));
            if (i % 2) co_await weir::sleep(1ms);
            tcp_stream s = co_await weir::timeout(5s, l.accept());
            tcp_stream c = co_await connecting;
            int fl = ::fcntl(static_cast<int>(s.native_handle()), F_GETFD);
            ok += fl >= 0 && (fl & FD_CLOEXEC) ? 1 : 0;
        }
        co_return ok;
    }(l));
    std::printf("driver %s: %d of 20 accepted sockets close on exec, %d plain accept() calls\n",
                rt.io_backend(), flags_ok, plain_accepts.load());
    return flags_ok == 20 && plain_accepts.load() == 0 ? 0 : 1;
}

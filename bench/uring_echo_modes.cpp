// weir-uring-echo-modes: what the kernel's side of an echo round trip costs under each way of
// using io_uring, without weir: one thread, 50 connected loopback TCP pairs, each doing round
// trips of 64 bytes (the shape of tcp_echo_loopback), driven by a bare completion loop. It told
// us which of the uring driver's options are worth building before we built them
// (docs/performance.md, "TCP: multishot receives"):
//   coop      single-shot receives, IORING_SETUP_COOP_TASKRUN (the driver's rings before)
//   defer     single-shot receives, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN
//   coop-ms   multishot receives into provided buffers, COOP_TASKRUN (the driver's rings now)
//   defer-ms  multishot receives, DEFER_TASKRUN
// Prints `<mode> <ns per round trip>` per repetition. Run modes interleaved and compare
// medians: this host's speed drifts between processes.
//
//   weir-uring-echo-modes <mode> [repetitions=3] [round trips per pair=2000]
#include <arpa/inet.h>
#include <fcntl.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr int pairs_n = 50, len = 64;
constexpr unsigned buf_count = 256, buf_size = 4096;

struct pair_state {
    int cfd = -1, sfd = -1;
    int left = 0, cgot = 0, sgot = 0;
    char cbuf[len], sbuf[len], msg[len];
};

bool connect_pairs(std::vector<pair_state>& ps, int rounds) {
    int l = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (l < 0 || ::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(l, 128) != 0 || ::getsockname(l, reinterpret_cast<sockaddr*>(&a), &al) != 0)
        return false;
    int one = 1;
    for (auto& p : ps) {
        p.cfd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (::connect(p.cfd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return false;
        p.sfd = ::accept(l, nullptr, nullptr);
        if (p.sfd < 0) return false;
        ::setsockopt(p.cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        ::setsockopt(p.sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        p.left = rounds;
        std::memset(p.msg, 7, len);
    }
    ::close(l);
    return true;
}

enum : std::uint64_t { client_recv = 0, server_recv = 1, sent = 2 };

/// One run; ns per round trip, or a negative number on an error.
double run(unsigned flags, bool multishot, int rounds) {
    std::vector<pair_state> ps(pairs_n);
    if (!connect_pairs(ps, rounds)) return -1;
    io_uring ring;
    io_uring_params params{};
    params.flags = flags;
    if (io_uring_queue_init_params(1024, &ring, &params) != 0) return -2;
    io_uring_buf_ring* br = nullptr;
    std::vector<char> bufs;
    if (multishot) {
        br = static_cast<io_uring_buf_ring*>(std::aligned_alloc(4096, 4096));
        io_uring_buf_ring_init(br);
        io_uring_buf_reg reg{};
        reg.ring_addr = reinterpret_cast<std::uintptr_t>(br);
        reg.ring_entries = buf_count;
        if (io_uring_register_buf_ring(&ring, &reg, 0) != 0) return -3;
        bufs.resize(std::size_t(buf_count) * buf_size);
        for (unsigned i = 0; i < buf_count; ++i)
            io_uring_buf_ring_add(br, &bufs[std::size_t(i) * buf_size], buf_size, i,
                                  io_uring_buf_ring_mask(buf_count), i);
        io_uring_buf_ring_advance(br, buf_count);
    }
    auto recv = [&](int i, bool server) {
        io_uring_sqe* sqe = io_uring_get_sqe(&ring);
        pair_state& p = ps[i];
        int fd = server ? p.sfd : p.cfd;
        if (multishot) {
            io_uring_prep_recv_multishot(sqe, fd, nullptr, 0, 0);
            sqe->flags |= IOSQE_BUFFER_SELECT;
            sqe->buf_group = 0;
        } else if (server) {
            io_uring_prep_recv(sqe, fd, p.sbuf + p.sgot, len - p.sgot, 0);
        } else {
            io_uring_prep_recv(sqe, fd, p.cbuf + p.cgot, len - p.cgot, 0);
        }
        io_uring_sqe_set_data64(sqe, std::uint64_t(i) << 2 | (server ? server_recv : client_recv));
    };
    auto send = [&](int fd, const char* b, int i) {
        io_uring_sqe* sqe = io_uring_get_sqe(&ring);
        io_uring_prep_send(sqe, fd, b, len, 0);
        io_uring_sqe_set_data64(sqe, std::uint64_t(i) << 2 | sent);
    };
    auto t0 = std::chrono::steady_clock::now();
    int done = 0;
    for (int i = 0; i < pairs_n; ++i) {
        recv(i, true);
        recv(i, false);
        send(ps[i].cfd, ps[i].msg, i);
    }
    while (done < pairs_n) {
        io_uring_submit_and_wait(&ring, 1);
        io_uring_cqe* cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            ++seen;
            std::uint64_t kind = cqe->user_data & 3;
            int i = static_cast<int>(cqe->user_data >> 2);
            pair_state& p = ps[i];
            if (kind == sent) continue;
            if (cqe->res <= 0) return -4;  // the peer never closes during a run
            bool server = kind == server_recv;
            int n = cqe->res;
            if (multishot) {
                unsigned id = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
                std::memcpy(server ? p.sbuf + p.sgot : p.cbuf + p.cgot,
                            &bufs[std::size_t(id) * buf_size], n);
                io_uring_buf_ring_add(br, &bufs[std::size_t(id) * buf_size], buf_size, id,
                                      io_uring_buf_ring_mask(buf_count), 0);
                io_uring_buf_ring_advance(br, 1);
                if (!(cqe->flags & IORING_CQE_F_MORE) && (server || p.left)) recv(i, server);
            }
            if (server) {
                p.sgot += n;
                if (p.sgot == len) {
                    p.sgot = 0;
                    send(p.sfd, p.sbuf, i);
                }
                if (!multishot) recv(i, true);
            } else {
                p.cgot += n;
                if (p.cgot == len) {
                    p.cgot = 0;
                    if (--p.left == 0) {
                        ++done;
                        continue;
                    }
                    send(p.cfd, p.msg, i);
                }
                if (!multishot) recv(i, false);
            }
        }
        io_uring_cq_advance(&ring, seen);
    }
    double ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    for (auto& p : ps) {
        ::close(p.cfd);
        ::close(p.sfd);
    }
    io_uring_queue_exit(&ring);
    std::free(br);
    return ns / (double(pairs_n) * rounds);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr,
                     "usage: weir-uring-echo-modes coop|defer|coop-ms|defer-ms [reps] [rounds]\n");
        return 2;
    }
    std::string mode = argv[1];
    int reps = argc > 2 ? std::atoi(argv[2]) : 3;
    int rounds = argc > 3 ? std::atoi(argv[3]) : 2000;
    const unsigned coop = IORING_SETUP_COOP_TASKRUN;
    const unsigned defer = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    unsigned flags;
    bool multishot;
    if (mode == "coop")
        flags = coop, multishot = false;
    else if (mode == "defer")
        flags = defer, multishot = false;
    else if (mode == "coop-ms")
        flags = coop, multishot = true;
    else if (mode == "defer-ms")
        flags = defer, multishot = true;
    else {
        std::fprintf(stderr, "weir-uring-echo-modes: unknown mode %s\n", mode.c_str());
        return 2;
    }
    if (reps < 1 || rounds < 1) return 2;
    for (int r = 0; r < reps; ++r) {
        double ns = run(flags, multishot, rounds);
        if (ns == -2 || ns == -3) {  // the ring or its provided buffers were refused
            std::printf("%s unsupported by this kernel\n", mode.c_str());
            return 0;
        }
        if (ns < 0) {
            std::fprintf(stderr, "weir-uring-echo-modes: %s failed (%.0f)\n", mode.c_str(), ns);
            return 1;
        }
        std::printf("%s %.0f\n", mode.c_str(), ns);
    }
    return 0;
}

// IPv6 scope ids on real sockets: a link-local address needs its interface, given by name
// ("[fe80::1%eth0]:0") or index; weir passes it to the OS and reads it back. Linux only (the
// link-local address is found in /proc/net/if_inet6); skipped with a warning on a machine
// without one. Runs under both Linux drivers with the I/O suite.
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <string>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

#ifdef __linux__
#include <net/if.h>
#endif

using namespace std::chrono_literals;
using weir::net::socket_address;
using weir::net::udp_socket;
using weir_test::bytes_of;
using weir_test::have_io;
using weir_test::workers;

#ifdef __linux__
namespace {
/// "fe80::...%ifname" of the first link-local address here, or "".
std::string first_link_local() {
    std::ifstream in("/proc/net/if_inet6");
    std::string hex, idx, plen, scope, flags, name;
    while (in >> hex >> idx >> plen >> scope >> flags >> name) {
        if (hex.rfind("fe80", 0) != 0) continue;
        std::string text;
        for (int i = 0; i < 8; ++i) text += (i ? ":" : "") + hex.substr(4 * i, 4);
        return text + "%" + name;
    }
    return "";
}
}  // namespace

TEST_CASE("udp_over_a_link_local_address_with_an_interface_name_as_its_zone", "[net]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    std::string ll = first_link_local();
    if (ll.empty()) {
        WARN("no IPv6 link-local address on this machine: skipped");
        return;
    }
    std::string ifname = ll.substr(ll.find('%') + 1);
    auto where = socket_address::parse("[" + ll + "]:0");
    CHECK(where.scope_id() == ::if_nametoindex(ifname.c_str()));
    udp_socket u;
    try {
        u = udp_socket::bind(where);  // without the scope the OS refuses it (EINVAL)
    } catch (const std::system_error& e) {
        WARN("cannot bind " << ll << " here: " << e.what());  // e.g. duplicate address detection
        return;
    }
    socket_address at = u.local_address();
    CHECK(at.scope_id() == where.scope_id());
    rt.block_on([](udp_socket& u, socket_address at) -> weir::task<void> {
        co_await u.send_to(bytes_of("zone"), at);
        std::vector<std::byte> buf(8);
        auto [n, from] = co_await weir::timeout(5s, u.recv_from(buf));
        CHECK(n == 4);
        CHECK(from == at);  // scope id included
    }(u, at));
}
#endif

// weir::net name resolution (net/resolve.hpp): lookup_host and tcp_connect by name. Only names
// that need no network are looked up: "localhost" (the hosts file) and the ".invalid" top-level
// domain, which never resolves (RFC 6761); the test machines have no outside DNS. A literal
// address must parse without a lookup; a lookup abandoned by a timeout must leave the blocking
// pool's job to finish on its own (ASan checks that the dropped result is freed once).
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>
#include <weir/weir.hpp>

#include "helpers.hpp"

using namespace std::chrono_literals;
using weir::net::lookup_host;
using weir::net::resolve_errc;
using weir::net::socket_address;
using weir::net::tcp_connect;
using weir::net::tcp_listener;
using weir::net::tcp_stream;
using weir_test::bytes_of;
using weir_test::have_io;
using weir_test::workers;

namespace {

/// Whether the platform has an OS resolver: all but WebAssembly (backends/no_net), where names
/// fail with function_not_supported and only literals work.
#if defined(__EMSCRIPTEN__)
constexpr bool resolver_here = false;
#else
constexpr bool resolver_here = true;
#endif

bool resolve_is_loopback(const socket_address& a) {
    if (a.is_ipv4()) return a.bytes()[0] == 127;
    return a == socket_address::parse("[::1]:0").with_port(a.port());
}

bool resolve_has_duplicates(const std::vector<socket_address>& v) {
    for (std::size_t i = 0; i < v.size(); ++i)
        for (std::size_t j = i + 1; j < v.size(); ++j)
            if (v[i] == v[j]) return true;
    return false;
}

/// The invalid_argument message of lookup_host(text), or "" if it did not throw one.
std::string resolve_rejection(weir::runtime& rt, const std::string& text) {
    try {
        rt.block_on(lookup_host(text));
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("lookup_host_localhost_gives_loopback_addresses_with_the_given_port", "[net]") {
    weir::runtime rt{workers(1)};
    if (!resolver_here) return;
    auto [by_text, by_pair] = rt.block_on(
        []() -> weir::task<std::pair<std::vector<socket_address>, std::vector<socket_address>>> {
            auto a = co_await lookup_host("localhost:8080");
            auto b = co_await lookup_host("localhost", 443);
            co_return std::pair{std::move(a), std::move(b)};
        }());
    REQUIRE(!by_text.empty());
    REQUIRE(!by_pair.empty());
    for (const auto& a : by_text) {
        INFO(a.to_string());
        CHECK(resolve_is_loopback(a));
        CHECK(a.port() == 8080);
    }
    for (const auto& a : by_pair) {
        INFO(a.to_string());
        CHECK(resolve_is_loopback(a));
        CHECK(a.port() == 443);
    }
    CHECK_FALSE(resolve_has_duplicates(by_text));
    CHECK_FALSE(resolve_has_duplicates(by_pair));
}

TEST_CASE("lookup_host_parses_a_literal_address_without_a_lookup", "[net]") {
    weir::runtime rt{workers(1)};
    using list = std::vector<socket_address>;
    auto got = rt.block_on([]() -> weir::task<std::vector<list>> {
        std::vector<list> out;
        out.push_back(co_await lookup_host("127.0.0.1:80"));
        out.push_back(co_await lookup_host("[::1]:443"));
        out.push_back(co_await lookup_host("[::ffff:10.0.0.1]:0"));
        out.push_back(co_await lookup_host("10.1.2.3", 65535));
        out.push_back(co_await lookup_host("::1", 7));
        out.push_back(co_await lookup_host("[fe80::1]", 8));
        out.push_back(co_await lookup_host("[fe80::1%3]:9"));  // a scope id travels with it
        co_return out;
    }());
    REQUIRE(got.size() == 7);
    CHECK(got[0] == list{socket_address::parse("127.0.0.1:80")});
    CHECK(got[1] == list{socket_address::parse("[::1]:443")});
    CHECK(got[2] == list{socket_address::parse("[::ffff:10.0.0.1]:0")});
    CHECK(got[3] == list{socket_address::parse("10.1.2.3:65535")});
    CHECK(got[4] == list{socket_address::parse("[::1]:7")});
    CHECK(got[5] == list{socket_address::parse("[fe80::1]:8")});
    REQUIRE(got[6].size() == 1);
    CHECK(got[6][0].scope_id() == 3);
    // No lookup ran: the blocking pool, which every lookup goes through, never started a thread.
    CHECK(rt.metrics().blocking_threads == 0);

    if (!resolver_here) {  // WebAssembly: a name fails clearly, literals (above) still work
        try {
            rt.block_on(lookup_host("localhost:80"));
            FAIL("a name resolved without a resolver");
        } catch (const std::system_error& e) {
            CHECK(e.code() == std::errc::function_not_supported);
            CHECK(std::string(e.what()).find("localhost") != std::string::npos);
        }
    }
}

TEST_CASE("lookup_host_rejects_a_missing_or_invalid_port_with_invalid_argument", "[net]") {
    weir::runtime rt{workers(1)};
    const char* bad[] = {
        "localhost",         // no port
        "localhost:",        // empty port
        "localhost:http",    // a service name, not a number
        "localhost:65536",   // too large
        "localhost:-1",      // a sign
        "localhost:123456",  // too long
        "[::1]80",           // no ':' after the bracket
        "[::1",              // no closing bracket
        "::1:80",            // IPv6 without brackets
        ":80",               // no host
        "[not-v6]:80",       // brackets around something that is not IPv6
    };
    for (const char* text : bad) {
        INFO(text);
        std::string msg = resolve_rejection(rt, text);
        CHECK(msg.find(std::string("\"") + text + "\"") != std::string::npos);
    }
    std::string empty_host;
    try {
        rt.block_on(lookup_host("", 80));
    } catch (const std::invalid_argument& e) {
        empty_host = e.what();
    }
    CHECK(empty_host.find("missing host") != std::string::npos);
    CHECK(rt.metrics().blocking_threads == 0);  // rejected before any lookup
}

TEST_CASE("lookup_host_unknown_name_throws_a_resolve_error_naming_the_host", "[net]") {
    weir::runtime rt{workers(1)};
    if (!resolver_here) return;
    for (int form = 0; form < 3; ++form) {
        INFO("form " << form);
        std::error_code code;
        std::string what;
        try {
            if (form == 0) rt.block_on(lookup_host("no-such-host.invalid:80"));
            if (form == 1) rt.block_on(lookup_host("no-such-host.invalid", 80));
            if (form == 2) rt.block_on(tcp_connect("no-such-host.invalid:80"));
            FAIL("no-such-host.invalid resolved");
        } catch (const std::system_error& e) {
            code = e.code();
            what = e.what();
        }
        INFO(what);
        CHECK(code.category() == weir::net::resolve_category());
        CHECK(std::string(code.category().name()) == "weir.resolve");
        // The .invalid domain does not exist: host_not_found. A machine whose name server does
        // not answer at all says try_again instead (the resolver cannot know), which is not
        // this feature's failure.
        CHECK((code == resolve_errc::host_not_found || code == resolve_errc::no_address ||
               code == resolve_errc::try_again));
        CHECK(what.find("no-such-host.invalid") != std::string::npos);
    }
}

TEST_CASE("tcp_connect_by_host_and_port_reaches_a_local_listener", "[net]") {
    weir::runtime rt{workers(2)};
    if (!have_io(rt) || !resolver_here) return;
    auto got = rt.block_on([]() -> weir::task<std::string> {
        auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
        std::uint16_t port = l.local_address().port();
        std::string out;
        // "localhost" may list ::1 first, where nothing listens: tcp_connect goes on to
        // 127.0.0.1 as the next address.
        tcp_stream c1 =
            co_await weir::timeout(10s, tcp_connect("localhost:" + std::to_string(port)));
        tcp_stream s1 = co_await weir::timeout(10s, l.accept());
        tcp_stream c2 = co_await weir::timeout(10s, tcp_connect("127.0.0.1", port));
        tcp_stream s2 = co_await weir::timeout(10s, l.accept());
        co_await c1.write_all(bytes_of("one;"));
        co_await c2.write_all(bytes_of("two"));
        std::byte b1[4], b2[3];
        co_await weir::timeout(10s, s1.read_exact(b1));
        co_await weir::timeout(10s, s2.read_exact(b2));
        out.append(reinterpret_cast<const char*>(b1), 4);
        out.append(reinterpret_cast<const char*>(b2), 3);
        co_return out;
    }());
    REQUIRE(got == "one;two");
}

TEST_CASE("tcp_connect_tries_each_address_in_order_and_throws_the_last_error", "[net]") {
    weir::runtime rt{workers(1)};
    if (!have_io(rt)) return;
    auto closed_port = [] {  // a port that was just free: bind, note it, close
        auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
        return l.local_address();
    };
    socket_address closed1 = closed_port(), closed2 = closed_port();
    auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
    socket_address open = l.local_address();
    auto peer = rt.block_on([](socket_address a, socket_address b) -> weir::task<socket_address> {
        // The list built first: g++ 12 cannot put a braced list inside a co_await.
        std::vector<socket_address> both{a, b};
        tcp_stream s = co_await weir::net::detail::connect_first(std::move(both));
        co_return s.peer_address();
    }(closed1, open));
    CHECK(peer == open);
    std::error_code code;
    std::string what;
    try {
        rt.block_on(weir::net::detail::connect_first(std::vector{closed1, closed2}));
    } catch (const std::system_error& e) {
        code = e.code();
        what = e.what();
    }
    CHECK(code == std::errc::connection_refused);
    CHECK(what.find(closed2.to_string()) != std::string::npos);  // the last address's error
}

TEST_CASE("lookup_host_under_a_timeout_that_fires_first_leaves_cleanly", "[net]") {
    // The lookup is cancelled while its job waits for the only blocking-pool thread (held by a
    // blocker until the timeout has fired), then while getaddrinfo runs (a tiny timeout, many
    // times: some fire during the call, some after). The pool thread finishes each call in the
    // background and drops the result; ASan sees it freed once, the runtime's teardown waits.
    if (!resolver_here) return;
    weir_test::watchdog dog("lookup_host_under_a_timeout", 120s);
    auto o = workers(1);
    o.max_blocking_threads = 1;
    weir::runtime rt{o};
    auto release = std::make_shared<std::atomic<bool>>(false);
    struct releaser {  // frees the pool thread even if a check below throws
        std::shared_ptr<std::atomic<bool>> r;
        ~releaser() { r->store(true); }
    } guard{release};
    auto [queued_timed_out, after] = rt.block_on(
        [](std::shared_ptr<std::atomic<bool>> release) -> weir::task<std::pair<bool, std::size_t>> {
            auto blocker = [release] {
                auto until = std::chrono::steady_clock::now() + 30s;  // a bound on a hang only
                while (!release->load() && std::chrono::steady_clock::now() < until)
                    std::this_thread::sleep_for(1ms);
            };
            weir::task<void> blocked = weir::spawn_blocking(blocker);
            bool timed_out = false;
            try {
                co_await weir::timeout(20ms, lookup_host("localhost:80"));
            } catch (const weir::timed_out&) {
                timed_out = true;
            }
            release->store(true);
            co_await std::move(blocked);
            // The pool works on: the abandoned lookup ran (or runs) and this one follows it.
            auto again = co_await lookup_host("localhost:80");
            co_return std::pair{timed_out, again.size()};
        }(release));
    CHECK(queued_timed_out);
    CHECK(after > 0);

    // 200 lookups at once behind the one pool thread, under timeouts of 0 to 5 ms: the first
    // finish, later ones time out while queued, and the ones near the boundary while
    // getaddrinfo runs (how many of each depends on the machine; every outcome is clean).
    auto [finished, timed_out] = rt.block_on([]() -> weir::task<std::pair<int, int>> {
        auto one = [](std::chrono::microseconds d) -> weir::task<int> {
            try {
                auto v = co_await weir::timeout(d, lookup_host("localhost", 80));
                co_return v.empty() ? 2 : 0;
            } catch (const weir::timed_out&) {
                co_return 1;
            }
        };
        std::vector<weir::join_handle<int>> hs;
        for (int i = 0; i < 200; ++i)
            hs.push_back(weir::spawn(one(std::chrono::microseconds(i % 21 * 250))));
        std::pair<int, int> counts{0, 0};
        for (int r : co_await weir::join_all(std::move(hs))) {
            if (r == 0) ++counts.first;
            if (r == 1) ++counts.second;
        }
        co_return counts;
    }());
    CHECK(finished + timed_out == 200);
}

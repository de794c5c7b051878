// weir::net::socket_address: parsing, formatting and clear errors, without the OS.
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <weir/net/socket_address.hpp>

using weir::net::socket_address;

TEST_CASE("socket_address_parses_ipv4_with_port", "[net]") {
    auto a = socket_address::parse("127.0.0.1:8080");
    REQUIRE(a.is_ipv4());
    REQUIRE_FALSE(a.is_ipv6());
    REQUIRE(a.port() == 8080);
    REQUIRE(a.bytes()[0] == 127);
    REQUIRE(a.bytes()[3] == 1);
    REQUIRE(a.to_string() == "127.0.0.1:8080");
    REQUIRE(socket_address::parse("0.0.0.0:0").to_string() == "0.0.0.0:0");
    REQUIRE(socket_address::parse("255.255.255.255:65535").port() == 65535);
    REQUIRE(a == socket_address::ipv4(127, 0, 0, 1, 8080));
}

TEST_CASE("socket_address_parses_ipv6_in_brackets_and_formats_canonically", "[net]") {
    auto a = socket_address::parse("[::1]:0");
    REQUIRE(a.is_ipv6());
    REQUIRE(a.port() == 0);
    REQUIRE(a.bytes()[15] == 1);
    REQUIRE(a.to_string() == "[::1]:0");
    struct {
        const char* in;
        const char* out;
    } cases[] = {
        {"[::]:1", "[::]:1"},
        {"[2001:DB8:0:0:0:0:0:1]:443", "[2001:db8::1]:443"},
        {"[2001:db8:0:0:1:0:0:1]:1", "[2001:db8::1:0:0:1]:1"},     // first of two equal runs
        {"[2001:db8:0:1:1:1:1:1]:1", "[2001:db8:0:1:1:1:1:1]:1"},  // a single 0 is not compressed
        {"[fe80::]:2", "[fe80::]:2"},
        {"[::ffff:192.0.2.1]:80", "[::ffff:192.0.2.1]:80"},
        {"[0:0:0:0:0:ffff:c000:0201]:80", "[::ffff:192.0.2.1]:80"},
        {"[1:2:3:4:5:6:7:8]:9", "[1:2:3:4:5:6:7:8]:9"},
        {"[1::8]:9", "[1::8]:9"},
    };
    for (auto& c : cases) {
        INFO(c.in);
        REQUIRE(socket_address::parse(c.in).to_string() == c.out);
        REQUIRE(socket_address::parse(c.out) == socket_address::parse(c.in));  // round trip
    }
}

TEST_CASE("socket_address_rejects_bad_text_with_invalid_argument", "[net]") {
    const char* bad[] = {
        "",
        "127.0.0.1",
        "127.0.0.1:",
        "127.0.0.1:65536",
        "127.0.0.1:-1",
        "127.0.0.1:8x",
        "1.2.3:80",
        "1.2.3.4.5:80",
        "256.0.0.1:80",
        "01.2.3.4:80",
        "a.b.c.d:80",
        "::1:80",
        "[::1]",
        "[::1]80",
        "[::1:80",
        "[1::2::3]:1",
        "[12345::]:1",
        "[1:2:3:4:5:6:7:8:9]:1",
        "[g::]:1",
        "[1:2:3:4:5:6:7]:1",
        "localhost:80",
    };
    for (const char* b : bad) {
        INFO(b);
        REQUIRE_THROWS_AS(socket_address::parse(b), std::invalid_argument);
    }
    REQUIRE_THROWS_WITH(socket_address::parse("1.2.3.4"),
                        "weir::net::socket_address::parse(\"1.2.3.4\"): missing ':port'");
}

TEST_CASE("socket_address_with_port_changes_only_the_port", "[net]") {
    auto a = socket_address::parse("[::1]:0").with_port(9);
    REQUIRE(a.to_string() == "[::1]:9");
}

TEST_CASE("socket_address_parses_an_ipv6_scope_id_and_formats_it_as_an_index", "[net]") {
    auto a = socket_address::parse("[fe80::1%3]:80");
    CHECK(a.scope_id() == 3);
    CHECK(a.to_string() == "[fe80::1%3]:80");
    CHECK(a != socket_address::parse("[fe80::1]:80"));  // another interface, another address
    CHECK(a.with_scope_id(0) == socket_address::parse("[fe80::1]:80"));
    CHECK(socket_address::parse("[fe80::1%4294967295]:1").scope_id() == 4294967295u);
    CHECK(socket_address::parse("127.0.0.1:1").with_scope_id(5).scope_id() == 0);  // IPv4: none
    for (const char* bad : {"[fe80::1%]:80", "[fe80::1%4294967296]:80", "[fe80::1%99999999999]:80",
                            "[fe80::1%no-such-interface-0]:80"})
        CHECK_THROWS_AS(socket_address::parse(bad), std::invalid_argument);
}

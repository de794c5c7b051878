// weir::net on a runtime without an I/O backend, its error category and value types, in every
// build, the WebAssembly event-loop one included (which has no I/O backend; scripts/lib/
// event_loop_name_coverage.py checks that every public name keeps a test that runs there).
#include "without_io.hpp"

using namespace weir_test::without_io;

TEST_CASE("net_resolve_errc_codes_belong_to_the_weir_resolve_category_and_say_why", "[net]") {
    const std::error_category& cat = weir::net::resolve_category();
    CHECK(std::string(cat.name()) == "weir.resolve");
    CHECK(&cat == &weir::net::resolve_category());  // one object per program
    CHECK(cat != std::generic_category());
    CHECK(cat != std::system_category());

    struct resolve_case {
        weir::net::resolve_errc e;
        int value;
        const char* message;
    };
    const resolve_case all[] = {
        {weir::net::resolve_errc::host_not_found, 1, "host not found"},
        {weir::net::resolve_errc::no_address, 2, "the name has no address"},
        {weir::net::resolve_errc::try_again, 3, "temporary failure in name resolution"},
        {weir::net::resolve_errc::failure, 4, "non-recoverable failure in name resolution"},
        {weir::net::resolve_errc::out_of_memory, 5, "out of memory in name resolution"},
        {weir::net::resolve_errc::other, 6, "name resolution failed"},
    };
    for (const resolve_case& x : all) {
        INFO(x.message);
        std::error_code made = weir::net::make_error_code(x.e);
        CHECK(made.value() == x.value);  // the same number on every platform
        CHECK(&made.category() == &cat);
        CHECK(made.message() == x.message);
        std::error_code implicit = x.e;  // is_error_code_enum: converts by itself
        CHECK(implicit == made);
        CHECK(made == x.e);
        // Not an errno value: generic error x.value (EPERM, ENOENT...) is another error.
        CHECK(made != std::error_code(x.value, std::generic_category()));
        CHECK(made != std::errc::function_not_supported);
    }
    CHECK(weir::net::make_error_code(weir::net::resolve_errc::host_not_found) !=
          weir::net::resolve_errc::no_address);
    CHECK(cat.message(99) == "unknown name resolution error 99");

    // A system_error made from a code (as lookup_host throws them) compares with the enum and
    // says why in what().
    std::system_error e(weir::net::make_error_code(weir::net::resolve_errc::try_again),
                        "weir::net::lookup_host \"example.invalid\"");
    CHECK(e.code() == weir::net::resolve_errc::try_again);
    CHECK(std::string(e.what()).find("example.invalid") != std::string::npos);
    CHECK(std::string(e.what()).find("temporary failure in name resolution") != std::string::npos);
}

TEST_CASE("net_end_of_stream_is_a_system_error_naming_the_call_and_the_bytes_read", "[net]") {
    weir::net::end_of_stream tcp(3, 10);
    CHECK(tcp.code() == std::errc::no_message_available);
    CHECK(std::string(tcp.what())
              .find("weir::net::tcp_stream::read_exact: the peer closed the "
                    "stream after 3 of 10 bytes") != std::string::npos);
    try {
        throw weir::net::end_of_stream(0, 4, "weir::net::unix_stream::read_exact");
    } catch (const std::system_error& e) {  // caught as what it derives from
        CHECK(e.code() == std::errc::no_message_available);
        CHECK(std::string(e.what()).find("weir::net::unix_stream::read_exact: the peer closed the "
                                         "stream after 0 of 4 bytes") != std::string::npos);
    }
}

TEST_CASE("net_shutdown_how_on_an_empty_stream_is_a_logic_error_naming_the_stream", "[net]") {
    for (weir::net::shutdown_how how :
         {weir::net::shutdown_how::read, weir::net::shutdown_how::write,
          weir::net::shutdown_how::both}) {
        weir::net::tcp_stream t;
        CHECK_THROWS_MATCHES(t.shutdown(how), std::logic_error,
                             Catch::Matchers::Message("weir::net::tcp_stream::shutdown: the socket "
                                                      "is closed or moved from"));
        weir::net::unix_stream u;
        CHECK_THROWS_MATCHES(u.shutdown(how), std::logic_error,
                             Catch::Matchers::Message("weir::net::unix_stream::shutdown: the "
                                                      "socket is closed or moved from"));
    }
    CHECK(weir::net::shutdown_how::read != weir::net::shutdown_how::write);
    CHECK(weir::net::shutdown_how::write != weir::net::shutdown_how::both);
}

TEST_CASE("net_tcp_halves_that_are_empty_refuse_every_call_and_reunite_refuses_them", "[net]") {
    weir::net::tcp_read_half rd;
    weir::net::tcp_write_half wr;
    std::byte b[4] = {};
    std::span<std::byte> one[1] = {std::span<std::byte>(b)};
    std::span<const std::byte> cone[1] = {std::span<const std::byte>(b)};
    auto empty = [](const char* half, const char* call) {
        return Catch::Matchers::Message(std::string("weir::net::tcp_") + half + "_half::" + call +
                                        ": the half is empty or moved from");
    };
    // The calls check before they make a task: they throw at once.
    CHECK_THROWS_MATCHES(rd.read(b), std::logic_error, empty("read", "read"));
    CHECK_THROWS_MATCHES(rd.readv(one), std::logic_error, empty("read", "readv"));
    CHECK_THROWS_MATCHES(rd.read_exact(b), std::logic_error, empty("read", "read_exact"));
    CHECK_THROWS_MATCHES(rd.peek(b), std::logic_error, empty("read", "peek"));
    CHECK_THROWS_MATCHES(rd.local_address(), std::logic_error, empty("read", "local_address"));
    CHECK_THROWS_MATCHES(rd.peer_address(), std::logic_error, empty("read", "peer_address"));
    CHECK_THROWS_MATCHES(wr.write_all(b), std::logic_error, empty("write", "write_all"));
    CHECK_THROWS_MATCHES(wr.writev(cone), std::logic_error, empty("write", "writev"));
    CHECK_THROWS_MATCHES(wr.shutdown(), std::logic_error, empty("write", "shutdown"));
    CHECK_THROWS_MATCHES(wr.local_address(), std::logic_error, empty("write", "local_address"));
    CHECK_THROWS_MATCHES(wr.peer_address(), std::logic_error, empty("write", "peer_address"));

    // Empty halves come from no stream: reunite refuses them, and leaves them as they were.
    CHECK_THROWS_MATCHES(
        weir::net::reunite(std::move(rd), std::move(wr)), std::invalid_argument,
        Catch::Matchers::Message(
            "weir::net::reunite: the halves do not come from the same tcp_stream"));
    weir::net::tcp_read_half moved_rd = std::move(rd);
    weir::net::tcp_write_half moved_wr = std::move(wr);
    CHECK_THROWS_AS(weir::net::reunite(std::move(moved_rd), std::move(moved_wr)),
                    std::invalid_argument);
    CHECK_THROWS_MATCHES(moved_rd.peek(b), std::logic_error, empty("read", "peek"));

    // And an empty stream gives no halves.
    weir::net::tcp_stream none;
    CHECK_THROWS_MATCHES(std::move(none).into_split(), std::logic_error,
                         Catch::Matchers::Message("weir::net::tcp_stream::into_split: the socket "
                                                  "is closed or moved from"));
}

TEST_CASE("net_udp_socket_without_io_backend_binds_natively_and_fails_to_send_or_receive",
          "[net]") {
    weir::net::datagram_info none;  // what recv_msg fills in
    CHECK(none.size == 0);
    CHECK(none.from == weir::net::socket_address{});
    CHECK_FALSE(none.truncated);

    weir_test::scoped_env clear("WEIR_IO_BACKEND", nullptr);
    weir::runtime rt{pnw_no_io()};
    REQUIRE(std::string(rt.io_backend()) == weir_test::no_io_name());
    static const std::string ping = "ping";
    std::byte buf[16] = {};

    weir::net::udp_socket unbound;  // empty: every call is a logic error, I/O or not
    CHECK_THROWS_MATCHES(unbound.local_address(), std::logic_error,
                         Catch::Matchers::Message("weir::net::udp_socket::local_address: the "
                                                  "socket is closed or moved from"));
    CHECK_THROWS_MATCHES(
        rt.block_on(unbound.send_to(weir_test::bytes_of(ping),
                                    weir::net::socket_address::parse("127.0.0.1:9"))),
        std::logic_error,
        Catch::Matchers::Message(
            "weir::net::udp_socket::send_to: the socket is closed or moved from"));
    CHECK_THROWS_MATCHES(
        rt.block_on(unbound.recv_msg(buf)), std::logic_error,
        Catch::Matchers::Message(
            "weir::net::udp_socket::recv_msg: the socket is closed or moved from"));

    // bind is synchronous (socket, bind): natively it needs no driver.
    weir::net::udp_socket sock;
    bool bound = false;
    try {
        sock = weir::net::udp_socket::bind(weir::net::socket_address::parse("127.0.0.1:0"));
        bound = true;
    } catch (const std::system_error& e) {
        pnw_check_unsupported({e.code(), e.what()}, "sockets are");
    }
    CHECK(bound == pnw_os_io);
    if (bound) {
        weir::net::socket_address self = sock.local_address();
        CHECK(self.is_ipv4());
        CHECK(self.port() != 0);
        pnw_check_unsupported(pnw_fails(rt, sock.send_to(weir_test::bytes_of(ping), self)),
                              "sockets are");
        auto receive = [](weir::net::udp_socket& s,
                          std::span<std::byte> into) -> weir::task<weir::net::datagram_info> {
            weir::net::datagram_info got = co_await s.recv_msg(into);
            co_return got;
        };
        pnw_check_unsupported(pnw_fails(rt, receive(sock, buf)), "sockets are");
    }
}

TEST_CASE("net_tcp_connect_without_io_backend_fails_with_function_not_supported", "[net]") {
    weir_test::scoped_env clear("WEIR_IO_BACKEND", nullptr);
    weir::runtime rt{pnw_no_io()};
    REQUIRE(std::string(rt.io_backend()) == weir_test::no_io_name());
    // A literal needs no lookup; natively the socket is made and the connect, an operation of
    // the driver, fails; in WebAssembly the socket cannot be made.
    pnw_check_unsupported(pnw_fails(rt, weir::net::tcp_connect("127.0.0.1:9")), "sockets are");
    pnw_check_unsupported(pnw_fails(rt, weir::net::tcp_connect("127.0.0.1", 9)), "sockets are");
    // Text that is not host:port is refused before any lookup or socket, everywhere.
    CHECK_THROWS_MATCHES(
        rt.block_on(weir::net::tcp_connect("127.0.0.1")), std::invalid_argument,
        Catch::Matchers::Message("weir::net::lookup_host(\"127.0.0.1\"): missing ':port'"));
    CHECK_THROWS_MATCHES(rt.block_on(weir::net::tcp_connect("[::1]:65536")), std::invalid_argument,
                         Catch::Matchers::Message("weir::net::lookup_host(\"[::1]:65536\"): the "
                                                  "port must be a number 0..65535"));
}

TEST_CASE("net_listen_options_defaults_and_a_listener_bound_with_options_without_io_backend",
          "[net]") {
    weir::net::listen_options defaults;
    CHECK(defaults.backlog == 1024);
    CHECK(defaults.reuse_address);
    CHECK_FALSE(defaults.reuse_port);
    CHECK(defaults.only_v6);

    weir_test::scoped_env clear("WEIR_IO_BACKEND", nullptr);
    weir::runtime rt{pnw_no_io()};
    REQUIRE(std::string(rt.io_backend()) == weir_test::no_io_name());
    auto any_port = weir::net::socket_address::parse("127.0.0.1:0");
    weir::net::listen_options negative;
    negative.backlog = -1;  // refused before a socket is made, everywhere
    CHECK_THROWS_MATCHES(
        weir::net::tcp_listener::bind(any_port, negative), std::invalid_argument,
        Catch::Matchers::Message("weir::net::tcp_listener::bind: negative backlog"));

    weir::net::listen_options o;
    o.backlog = 0;  // the OS's smallest queue
    o.reuse_address = false;
    weir::net::tcp_listener l;
    bool bound = false;
    try {  // socket, options, bind, listen: synchronous, natively no driver needed
        l = weir::net::tcp_listener::bind(any_port, o);
        bound = true;
    } catch (const std::system_error& e) {
        pnw_check_unsupported({e.code(), e.what()}, "sockets are");
    }
    CHECK(bound == pnw_os_io);
    if (bound) {
        CHECK(l.local_address().port() != 0);
        pnw_check_unsupported(pnw_fails(rt, l.accept()), "sockets are");  // through the driver
    }
}

TEST_CASE("net_unix_sockets_without_io_backend_bind_natively_and_fail_to_connect", "[net]") {
    weir::net::unix_listener empty_listener;
    weir::net::unix_stream empty_stream;
    CHECK(empty_listener.native_handle() == -1);
    CHECK(empty_stream.native_handle() == -1);
    CHECK_THROWS_MATCHES(empty_listener.local_path(), std::logic_error,
                         Catch::Matchers::Message("weir::net::unix_listener::local_path: the "
                                                  "socket is closed or moved from"));
    CHECK_THROWS_MATCHES(empty_stream.peer_path(), std::logic_error,
                         Catch::Matchers::Message("weir::net::unix_stream::peer_path: the socket "
                                                  "is closed or moved from"));

    weir_test::scoped_env clear("WEIR_IO_BACKEND", nullptr);
    weir::runtime rt{pnw_no_io()};
    REQUIRE(std::string(rt.io_backend()) == weir_test::no_io_name());
    weir_test::temp_path tmp(".sock");
    CHECK_THROWS_MATCHES(
        weir::net::unix_listener::bind(tmp.path, -1), std::invalid_argument,
        Catch::Matchers::Message("weir::net::unix_listener::bind: negative backlog"));

    weir::net::unix_listener l;
    bool bound = false;
    try {  // socket, bind, listen: synchronous, natively no driver needed
        l = weir::net::unix_listener::bind(tmp.path);
        bound = true;
    } catch (const std::system_error& e) {
#if defined(_WIN32)
        WARN("no Unix-domain sockets here: " << e.what());  // before Windows 10 1803, some Wines
        return;
#else
        pnw_check_unsupported({e.code(), e.what()}, "sockets are");
#endif
    }
    CHECK(bound == pnw_os_io);
    if (bound) {
        CHECK(l.local_path() == tmp.path);
        CHECK(l.native_handle() >= 0);
        pnw_check_unsupported(pnw_fails(rt, l.accept()), "sockets are");  // through the driver
    }
    // Natively the socket is made and the connect, an operation of the driver, fails.
    pnw_check_unsupported(pnw_fails(rt, weir::net::unix_stream::connect(tmp.path)), "sockets are");
}

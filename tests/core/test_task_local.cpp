// task_local: scoping, nesting, visibility in join branches, no inheritance by spawned tasks.
#include <catch2/catch.hpp>
#include <string>
#include <weir/weir.hpp>

namespace {
weir::task_local<int> request_id;
weir::task_local<std::string> user;

weir::task<int> read_id() { co_return request_id.get(); }
}  // namespace

TEST_CASE("task_local_scope_sets_value_for_the_task_and_its_awaits", "[task_local]") {
    weir::runtime rt(weir::runtime::options{.worker_threads = 2});
    auto v = rt.block_on(request_id.scope(7, []() -> weir::task<int> {
        int a = request_id.get();
        co_await weir::yield_now();
        int b = co_await read_id();  // a child coroutine sees it
        co_return (a * 100 + b);
    }()));
    REQUIRE(v == 707);
}

TEST_CASE("task_local_nested_scopes_shadow_and_restore", "[task_local]") {
    weir::runtime rt(weir::runtime::options{.worker_threads = 1});
    auto v = rt.block_on(request_id.scope(1, []() -> weir::task<std::string> {
        std::string out = std::to_string(request_id.get());
        out += std::to_string(co_await request_id.scope(2, read_id()));
        out += std::to_string(request_id.get());
        out += co_await user.scope("u", []() -> weir::task<std::string> {
            co_return user.get() + std::to_string(request_id.get());
        }());
        co_return out;
    }()));
    REQUIRE(v == "121u1");
}

TEST_CASE("task_local_is_not_inherited_by_spawned_tasks", "[task_local]") {
    weir::runtime rt(weir::runtime::options{.worker_threads = 2});
    auto v = rt.block_on(request_id.scope(5, []() -> weir::task<bool> {
        auto h =
            weir::spawn([]() -> weir::task<bool> { co_return request_id.try_get() == nullptr; }());
        bool spawned_sees_none = co_await h;
        auto [a, b] = co_await weir::join(read_id(), read_id());  // branches do see it
        co_return (spawned_sees_none && a == 5 && b == 5);
    }()));
    REQUIRE(v);
}

TEST_CASE("task_local_get_outside_scope_throws", "[task_local]") {
    weir::runtime rt(weir::runtime::options{.worker_threads = 1});
    REQUIRE_THROWS_AS(rt.block_on(read_id()), std::logic_error);
    REQUIRE(request_id.try_get() == nullptr);
}

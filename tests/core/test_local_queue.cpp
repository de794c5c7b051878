// The work-stealing local queue: FIFO for the owner, overflow to the global queue when full, and
// under concurrent stealing every task is taken exactly once (this test also runs under TSan).
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "../../core/src/local_queue.hpp"
#include "weir/detail/task_header.hpp"

namespace {
constexpr weir::detail::task_vtable no_vtable{nullptr, nullptr};
struct fake_task : weir::detail::task_header {
    fake_task() : task_header(&no_vtable) {}
};
}  // namespace

TEST_CASE("local_queue_is_fifo_for_its_owner", "[queue]") {
    weir::detail::local_queue q;
    std::vector<fake_task> tasks(10);
    weir::detail::task_header *h, *t;
    std::uint32_t n;
    for (auto& x : tasks) REQUIRE(q.push_back(&x, h, t, n));
    REQUIRE(q.len() == 10);
    for (auto& x : tasks) REQUIRE(q.pop() == &x);
    REQUIRE(q.pop() == nullptr);
}

TEST_CASE("local_queue_overflows_half_to_the_global_queue", "[queue]") {
    weir::detail::local_queue q;
    std::vector<fake_task> tasks(weir::detail::local_queue::capacity + 1);
    weir::detail::task_header *head = nullptr, *tail = nullptr;
    std::uint32_t n = 0;
    for (std::uint32_t i = 0; i < weir::detail::local_queue::capacity; ++i)
        REQUIRE(q.push_back(&tasks[i], head, tail, n));
    REQUIRE_FALSE(q.push_back(&tasks.back(), head, tail, n));
    REQUIRE(n == weir::detail::local_queue::capacity / 2 + 1);
    // The overflow list holds the oldest half, in order, then the new task.
    std::uint32_t count = 0;
    weir::detail::task_header* x = head;
    for (; x; x = x->queue_next, ++count) {
        if (count < weir::detail::local_queue::capacity / 2) REQUIRE(x == &tasks[count]);
    }
    REQUIRE(count == n);
    REQUIRE(tail == &tasks.back());
    REQUIRE(q.len() == weir::detail::local_queue::capacity / 2);
    REQUIRE(q.pop() == &tasks[weir::detail::local_queue::capacity / 2]);
}

TEST_CASE("local_queue_concurrent_steal_takes_every_task_exactly_once", "[queue][stress][threads]") {
    constexpr int total = 200'000;
    std::vector<fake_task> tasks(total);
    std::vector<std::atomic<int>> seen(total);
    weir::detail::local_queue owner;
    std::atomic<bool> done{false};
    auto index_of = [&](weir::detail::task_header* t) {
        return static_cast<int>(static_cast<fake_task*>(t) - tasks.data());
    };
    std::atomic<int> taken{0};
    auto stealer = [&] {
        weir::detail::local_queue mine;
        while (!done.load() || taken.load() < total) {
            if (auto* t = owner.steal_into(mine)) {
                seen[index_of(t)].fetch_add(1);
                taken.fetch_add(1);
                while (auto* u = mine.pop()) {
                    seen[index_of(u)].fetch_add(1);
                    taken.fetch_add(1);
                }
            } else if (done.load() && owner.empty()) {
                break;
            }
        }
    };
    std::thread s1(stealer), s2(stealer);
    std::vector<weir::detail::task_header*> overflow;
    for (int i = 0; i < total; ++i) {
        weir::detail::task_header *h = nullptr, *t = nullptr;
        std::uint32_t n = 0;
        if (!owner.push_back(&tasks[i], h, t, n))
            for (auto* x = h; x; x = x->queue_next) overflow.push_back(x);
        if (i % 3 == 0)
            if (auto* p = owner.pop()) {
                seen[index_of(p)].fetch_add(1);
                taken.fetch_add(1);
            }
    }
    while (auto* p = owner.pop()) {
        seen[index_of(p)].fetch_add(1);
        taken.fetch_add(1);
    }
    for (auto* x : overflow) {
        seen[index_of(x)].fetch_add(1);
        taken.fetch_add(1);
    }
    done.store(true);
    s1.join();
    s2.join();
    for (int i = 0; i < total; ++i) REQUIRE(seen[i].load() == 1);
}

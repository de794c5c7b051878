// Seed example 3: cancellation. A spawned child task gets a child token of the parent's token and
// ticks every 100 ms, racing each tick against the token (select). After 500 ms the parent cancels
// its own token; the child token is cancelled with it, the child's select sees that and the child
// returns normally. The exact tick count depends on timing, so the program prints the exact count
// only when it is not about 5. Each tick sleeps until its own deadline (100 ms, 200 ms, ... after
// the start) rather than for 100 ms after the previous one, so that the time each tick takes to
// start does not add up on a loaded machine (as weir::stream::interval does).
#include <chrono>
#include <cstdio>
#include <weir/weir.hpp>

using namespace std::chrono_literals;

namespace {

struct outcome {
    int iterations;
    bool child_token_cancelled;
};

weir::task<int> ticker(weir::cancellation_token token) {
    const auto start = weir::clock::now();
    int iterations = 0;
    for (;;) {
        auto next = start + (iterations + 1) * 100ms;
        auto r = co_await weir::select(token.cancelled(), weir::sleep_until(next));
        if (r.index() == 0) break;  // the token won: stop gracefully
        ++iterations;               // the sleep won: one iteration
    }
    co_return iterations;
}

weir::task<outcome> run() {
    weir::cancellation_token parent;
    weir::cancellation_token child = parent.child_token();
    weir::join_handle<int> worker = weir::spawn(ticker(child));
    co_await weir::sleep(500ms);
    parent.cancel();
    int iterations = co_await worker;  // returns normally: no exception
    co_return outcome{iterations, child.is_cancelled()};
}

}  // namespace

// The weir tool links this file in with WEIR_SEED_ENTRY naming the function (native/cli).
#ifndef WEIR_SEED_ENTRY
#define WEIR_SEED_ENTRY main
#endif
int WEIR_SEED_ENTRY() {
    weir::runtime rt;
    outcome o = rt.block_on(run());
    std::printf("parent cancelled its token after 500 ms\n");
    std::printf("child token cancelled with it: %s\n", o.child_token_cancelled ? "yes" : "no");
    if (o.iterations >= 4 && o.iterations <= 6)
        std::printf("child stopped gracefully after about 5 iterations\n");
    else
        std::printf("child stopped gracefully after %d iterations (expected about 5)\n",
                    o.iterations);
    return 0;
}

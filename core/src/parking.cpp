// A worker with nothing to do: parking, the timer role, and the watch over busy workers' LIFO
// slots. docs/architecture.md ("Parking and timers") explains the protocol; in short:
//   * the first worker to park takes the timer role and parks through the driver with a timeout
//     at the next timer deadline; the others park on their own parker without a timeout;
//   * an owner that leaves park with other workers still asleep hands the role to one of them
//     (it unparks it; the sleeper finds the role free and parks again holding it), so timers
//     keep firing while the former owner runs a long task (tokio loses the role there: a 5 ms
//     ticker ran 495 ms late behind a 500 ms spinner with the second worker idle);
//   * while another worker is busy, the owner also caps its sleep at lifo_watch_interval and,
//     each time it wakes, looks at the busy workers' LIFO slots: a task that has sat in one for
//     two looks in a row, while that worker stayed inside one poll, is taken and run here. The
//     LIFO slot is never announced to parked workers (that is what keeps request/response
//     ping-pong on one core), so without this a task woken into the slot of a worker that then
//     runs for 500 ms waited 500 ms with the other workers asleep. A busy worker's queue holding
//     more than it runs next wakes a searcher too (a push's notify may have been missed, or not
//     sent while steals do not pay), as does anything queued behind a worker that stayed inside
//     one poll since the last look. An
//     owner that parked uncapped (all asleep) is woken by the first worker to leave park, so
//     the watch also covers a worker woken later.
#include <algorithm>
#include <chrono>

#include "scheduler.hpp"

namespace weir::detail {

// A parked worker sleeps on its own parker, or, if it holds the timer role, on the driver. The
// unpark goes to its parker first; then, if it is the timer owner, to the driver as well. The
// worker claims the role (seq_cst) before checking its parker (consume_unpark, seq_cst) and only
// then parks on the driver, so with the fence here one of the two sees the other.
void runtime_core::unpark_worker(std::size_t i) noexcept {
    workers_[i]->park->unpark();
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (timer_owner_.load(std::memory_order_seq_cst) == static_cast<std::ptrdiff_t>(i))
        driver_->unpark();
}

void runtime_core::park_worker(worker& w) {
    if (w.lifo.load(std::memory_order_relaxed) || !w.queue.empty()) return;
    if (tracing()) trace_mark(trace::kind::park, 0);
    w.parks.add();
    // A steal still being judged (its tasks were taken back meanwhile) is dropped: the polls
    // after this park would count the time parked as the stolen tasks' (judge_steal).
    w.steal_polls_left = 0;
    std::int64_t now = now_ns();
    w.busy_ns.add(
        static_cast<std::uint64_t>(now - w.busy_since_ns.exchange(-1, std::memory_order_relaxed)));
    struct on_return {  // every way out of park_worker is an unpark
        runtime_core* rt;
        worker& w;
        ~on_return() {
            w.busy_since_ns.store(rt->now_ns(), std::memory_order_relaxed);
            if (rt->tracing()) rt->trace_mark(trace::kind::unpark, 0);
        }
    } unpark_event{this, w};
    bool last_searcher = idle_.transition_to_parked(w.index, w.searching);
    w.searching = false;
    if (last_searcher) notify_if_work_pending();

    for (;;) {
        std::ptrdiff_t none = -1;
        bool owner = timer_owner_.compare_exchange_strong(
            none, static_cast<std::ptrdiff_t>(w.index), std::memory_order_seq_cst);
        std::int64_t timeout = -1;
        if (owner) {
            process_timers();  // may wake tasks into this worker's own queue
            std::uint64_t nd = next_deadline_.load(std::memory_order_seq_cst);
            if (nd != UINT64_MAX) {
                auto due = start_ + std::chrono::milliseconds(nd);
                auto left = due - std::chrono::steady_clock::now();
                timeout = std::max<std::int64_t>(
                    0, std::chrono::duration_cast<std::chrono::nanoseconds>(left).count());
            }
            // Announced before the look at who runs, and read by a worker leaving park after
            // it counts itself unparked (both seq_cst): either we see it running and cap our
            // sleep, or it sees this flag and wakes us to cap it (leave_park_retimes_owner).
            owner_uncapped_.store(true, std::memory_order_seq_cst);
            if (idle_.num_unparked() > 0) {  // someone runs tasks: watch its LIFO slot
                owner_uncapped_.store(false, std::memory_order_relaxed);
                constexpr std::int64_t cap =
                    std::chrono::duration_cast<std::chrono::nanoseconds>(lifo_watch_interval)
                        .count();
                timeout = timeout < 0 ? cap : std::min(timeout, cap);
            } else {
                forget_lifo_watch(w);  // nobody runs: nothing seen so far still counts
            }
        }
        bool slept = false;
        if (!w.lifo.load(std::memory_order_relaxed) && w.queue.empty() &&
            !shutdown_.load(std::memory_order_acquire)) {
            slept = true;
            if (!owner)
                w.park->park(timeout);
            else if (!w.park->consume_unpark())  // an unpark that came before the role
                driver_->park(timeout);
        }
        if (owner) {
            owner_uncapped_.store(false, std::memory_order_relaxed);
            timer_owner_.store(-1, std::memory_order_seq_cst);
            // Only after a sleep: the pass before it found the timers due by then, and a second
            // pass at once would find the queue it just filled full and overflow it (the floor).
            if (slept) process_timers();
            watch_lifo_slots(w);  // may take a stuck task into this worker's queue
        }
        if (shutdown_.load(std::memory_order_acquire)) return;
        if (transition_from_parked(w)) {
            // Leaving with the role dropped: give it to a worker still asleep, so that timers
            // (and the LIFO watch) do not wait until this worker next runs out of work.
            if (owner) {
                std::ptrdiff_t s = idle_.any_sleeper();
                if (s >= 0) unpark_worker(static_cast<std::size_t>(s));
            } else {
                leave_park_retimes_owner();
            }
            return;
        }
    }
}

// This worker now counts as unparked (transition_from_parked). If the timer owner sleeps without
// the watch's cap, it parked while every worker slept and does not know that one runs now: a
// task woken into this worker's LIFO slot, or a notify of a push to its queue lost to the race
// the fence-less local notify allows (idle.hpp), would wait for this worker's poll to end. Wake
// the owner: it re-parks with the cap, and watches. An owner picked by a notify (it leaves park
// itself) hands its role over instead. Costs one driver unpark per wake of an idle runtime; none
// while some worker runs.
void runtime_core::leave_park_retimes_owner() noexcept {
    if (owner_uncapped_.load(std::memory_order_seq_cst)) driver_->unpark();
}

bool runtime_core::transition_from_parked(worker& w) {
    if (w.lifo.load(std::memory_order_relaxed) || !w.queue.empty()) {
        // Woken by our own timers. If a notifier picked us meanwhile, we count as searching.
        w.searching = !idle_.unpark_self(w.index);
        return true;
    }
    if (idle_.is_parked(w.index)) return false;  // spurious or timer-only wake: park again
    w.searching = true;  // picked by notify_parked, which counted us as searching
    return true;
}

// Called by the timer owner each time it wakes. A LIFO task is taken only when this look and the
// previous one (lifo_watch_interval apart, at least) saw the same task in the slot and the same
// poll count on its worker: that worker has been inside one poll all along, and the task has
// waited at least that long. The owner's own take of the slot is an exchange, so exactly one of
// the two gets the task.
void runtime_core::watch_lifo_slots(worker& w) noexcept {
    std::int64_t now = -1;  // read once, only if some slot is occupied
    constexpr std::int64_t interval =
        std::chrono::duration_cast<std::chrono::nanoseconds>(lifo_watch_interval).count();
    bool stealable = false;
    for (std::size_t j = 0; j < workers_.size(); ++j) {
        if (j == w.index) continue;
        worker& v = *workers_[j];
        task_header* t = v.lifo.load(std::memory_order_acquire);
        std::uint64_t polls = v.polls.get();
        std::uint32_t queued = v.queue.len();
        // More queued than the worker runs next: what a push's notify would have woken a worker
        // for. A push notifies without a fence (idle::worker_to_notify), so that notify can be
        // missed in a race with the last searcher parking, and while steals do not pay
        // (scheduler.cpp) pushes notify nobody at all; this look bounds the wait while the
        // owner's sleep is capped (not when every other worker was asleep as it parked).
        if (queued + (t ? 1u : 0u) > 1) stealable = true;
        // Anything queued behind a worker that has stayed inside one poll since the last look:
        // that task waits for the poll's end, however long, unless someone steals it. (A task
        // spawned, then a second one that went to the LIFO slot and now runs for long, leaves
        // one task queued and the slot empty: the rule above never fires for it.)
        if (queued > 0 && polls + 1 == w.watch_queue_polls[j]) stealable = true;
        w.watch_queue_polls[j] = polls + 1;
        if (!t) {
            w.watch_lifo[j] = nullptr;
            continue;
        }
        if (now < 0) now = now_ns();
        if (t == w.watch_lifo[j] && polls == w.watch_polls[j]) {
            if (now - w.watch_since[j] < interval) continue;  // woken early: look again later
            w.watch_lifo[j] = nullptr;
            if (v.lifo.compare_exchange_strong(t, nullptr, std::memory_order_acq_rel)) {
                push_local(w, t);
                w.lifo_rescues.add();
            }
            continue;
        }
        w.watch_lifo[j] = t;
        w.watch_polls[j] = polls;
        w.watch_since[j] = now;
    }
    if (stealable) notify_parked();  // a searcher steals it (this worker, if it is picked)
}

void runtime_core::forget_lifo_watch(worker& w) noexcept {
    std::fill(w.watch_lifo.begin(), w.watch_lifo.end(), nullptr);
    std::fill(w.watch_queue_polls.begin(), w.watch_queue_polls.end(), 0);
}

}  // namespace weir::detail

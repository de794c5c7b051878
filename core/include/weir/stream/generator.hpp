// weir::stream::generator<T>: an async generator, the way to write a stream by hand. A coroutine
// returning generator<T> may co_await anything (sleep, recv, other streams) and co_yield items:
//
//     weir::stream::generator<int> ticks(int n) {
//         for (int i = 0; i < n; ++i) {
//             co_await weir::sleep(1ms);
//             co_yield i;
//         }
//     }
//
// It is lazy and has backpressure: the body runs only while the consumer is pulling, from one
// co_yield to the next, so the producer is suspended until the consumer asks for more. A generator
// is itself a stream: ticks(10).map(f).take(3) works.
//
// Mechanics: the body runs as part of the consumer's task (its frame is a coroutine of that task,
// like an awaited weir::task), so it sees the consumer's cancellation and task_locals. Control
// moves between consumer and body by symmetric transfer: a pull costs two coroutine switches and
// no allocation; the frame is allocated once. An exception thrown by the body reaches the consumer
// through the pull that was running; the generator has ended then. Destroying a generator that
// is suspended at a co_yield destroys its frame, which runs its locals' destructors.
//
// A body that ends (returns or throws) has its frame destroyed by the pull that sees it end,
// before that pull returns nullopt or rethrows: the body's parameters go then, and with them the
// upstream a stage took as a parameter (a buffered stage's tasks in flight are cancelled and
// their cleanup has run by the time the consumer sees the stream end). The frame is destroyed
// from the consumer's side, once the body is suspended at its final point, never from inside
// the body's own final await (compilers have spilled into a frame after such an await).
#pragma once

#include <exception>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "../detail/coro.hpp"
#include "../detail/promise_base.hpp"
#include "../detail/throw.hpp"
#include "stream_base.hpp"

namespace weir::stream {

namespace detail {
/// For weir's own stages: co_yield yield_slot{&opt} hands over a value that already sits in an
/// optional the stage owns; the consumer moves it out and resets the optional (so a moved-from
/// husk does not outlive the hand-over).
template <class T>
struct yield_slot {
    std::optional<T>* slot;
};
}  // namespace detail

template <class T>
class [[nodiscard]] generator : public stream_base<generator<T>, T> {
public:
    struct promise_type : weir::detail::promise_base {
        std::optional<T> own;
        std::optional<T>* item = nullptr;  // the item being handed over, if any
        std::exception_ptr error;
        coro::coroutine_handle<> consumer;  // set while a pull is running

        generator get_return_object() noexcept {
            return generator(coro::coroutine_handle<promise_type>::from_promise(*this));
        }
        void return_void() noexcept {}
        void unhandled_exception() noexcept { error = std::current_exception(); }

        /// Hands control back to the consumer (after a co_yield, and at the end).
        struct to_consumer {
            promise_type* p;
            bool await_ready() const noexcept { return false; }
            weir::detail::suspend_t await_suspend(coro::coroutine_handle<>) const noexcept {
                coro::coroutine_handle<> c = std::exchange(p->consumer, nullptr);
                if (!c) return weir::detail::suspend_now();
                return weir::detail::transfer_to(c);
            }
            void await_resume() const noexcept { weir::detail::this_thread.current = p; }
        };
        to_consumer final_suspend() noexcept { return {this}; }

        template <class U>
            requires std::is_constructible_v<T, U&&> to_consumer yield_value(U&& v) {
                own.emplace(std::forward<U>(v));
                item = &own;
                return {this};
            }
        to_consumer yield_value(detail::yield_slot<T> s) noexcept {
            item = s.slot;
            return {this};
        }
    };
    using handle_type = coro::coroutine_handle<promise_type>;

    generator() noexcept = default;
    explicit generator(handle_type h) noexcept : h_(h) {}
    generator(generator&& o) noexcept
        : h_(std::exchange(o.h_, nullptr)), ended_(std::exchange(o.ended_, false)) {}
    generator& operator=(generator&& o) noexcept {
        if (this != &o) {
            reset();
            h_ = std::exchange(o.h_, nullptr);
            ended_ = std::exchange(o.ended_, false);
        }
        return *this;
    }
    generator(const generator&) = delete;
    generator& operator=(const generator&) = delete;
    ~generator() { reset(); }

    /// False for a default-constructed or moved-from generator.
    bool valid() const noexcept { return h_ || ended_; }

    struct pull_awaiter {
        generator* g;
        bool await_ready() const {
            if (!g->h_) {
                if (g->ended_) return true;  // ended: nullopt, without a switch
                weir::detail::throw_logic_error(
                    "weir::stream::generator: pull on an empty generator");
            }
            if (g->h_.promise().consumer)
                weir::detail::throw_logic_error(
                    "weir::stream::generator: pulled while a pull is running");
            return false;  // never done here: the pull that saw the body end destroyed it
        }
        template <class P>
        weir::detail::suspend_t await_suspend(coro::coroutine_handle<P> consumer) noexcept {
            promise_type& p = g->h_.promise();
            p.ctx = weir::detail::ctx_of(consumer);  // runs in the consumer's task and scope
            p.consumer = consumer;
            return weir::detail::transfer_to(g->h_);
        }
        std::optional<T> await_resume() {
            if (!g->h_) return std::nullopt;
            promise_type& p = g->h_.promise();
            if (std::optional<T>* item = std::exchange(p.item, nullptr)) {
                // From the value, not a copy of the whole optional (detail/pull_into.hpp).
                std::optional<T> out(std::in_place, std::move(**item));
                item->reset();
                return out;
            }
            body_ended();
            return std::nullopt;
        }
        /// await_resume for weir's own stages (detail/pull_into.hpp): the item, or nothing at
        /// the end, into dst.
        void take_into(std::optional<T>& dst) {
            if (g->h_) {
                promise_type& p = g->h_.promise();
                if (std::optional<T>* item = std::exchange(p.item, nullptr)) {
                    dst.emplace(std::move(**item));
                    item->reset();
                    return;
                }
                body_ended();
            }
            dst.reset();
        }
        // The body has ended, by returning or throwing: its frame goes now (file comment). Out
        // of line, so that await_resume stays small enough to inline (detail/throw.hpp).
        [[gnu::noinline]] void body_ended() {
            std::exception_ptr error = std::exchange(g->h_.promise().error, nullptr);
            g->reset();
            g->ended_ = true;
            if (error) std::rethrow_exception(std::move(error));
        }
    };
    /// The pull protocol (see stream_base.hpp).
    pull_awaiter pull() noexcept { return pull_awaiter{this}; }

private:
    void reset() noexcept {
        if (h_) h_.destroy();
        h_ = nullptr;
    }
    handle_type h_{};
    bool ended_ = false;  // the body has ended and its frame is gone
};

}  // namespace weir::stream

// The tracer's slow parts: starting and stopping, draining the rings into a trace::log (stamps
// become ns, names become indices, poll ends are written), and the process-wide table of task
// names.
#include "tracer.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "task_label.hpp"

namespace weir::detail {

namespace {
#if WEIR_TRACE_TSC
std::uint64_t ns_since(std::chrono::steady_clock::time_point start) noexcept {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::steady_clock::now() - start)
                                          .count());
}
/// A (stamp, ns since start) pair for the stamps' rate: steady_clock read on both sides of the
/// stamp, again while the two reads are far apart (the thread lost its core between them).
/// False if no try was close enough (the pair is then the last one read).
bool clock_pair(std::chrono::steady_clock::time_point start, std::uint64_t& tick,
                std::uint64_t& ns) noexcept {
    for (int i = 0; i < 16; ++i) {
        std::uint64_t before = ns_since(start);
        tick = tracer::stamp();
        std::uint64_t after = ns_since(start);
        ns = before + (after - before) / 2;
        if (after - before <= 2000) return true;
    }
    return false;
}
#endif
}  // namespace

tracer::tracer(std::size_t workers, std::chrono::steady_clock::time_point start)
    : workers_(workers),
      start_(start),
      held_(workers + 1),
      open_poll_(workers + 1, 0),
      last_ns_(workers + 1, 0),
      decode_ts_(workers + 1, 0),
      decode_poll_(workers + 1, 0),
      fill_last_(workers + 1, 0),
      collected_(workers + 1),
      poll_done_(workers + 1, false) {}

void tracer::prepare(std::size_t events_per_ring) {
    std::lock_guard<std::mutex> g(control_);
    if (rings_.empty()) {
        std::size_t cap = 1024;
        while (cap < events_per_ring && cap < (std::size_t(1) << 26)) cap <<= 1;
        for (std::size_t i = 0; i <= workers_; ++i)
            rings_.push_back(std::make_unique<trace_ring>(cap));
#if WEIR_TRACE_TSC
        // A first rate for the stamps: 2 ms of both clocks (refined at every take).
        clock_pair(start_, tick0_, ns0_);
        auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(2);
        while (std::chrono::steady_clock::now() < until) {
        }
        std::uint64_t t1 = 0, n1 = 0;
        clock_pair(start_, t1, n1);
        ns_per_tick_ = t1 > tick0_ ? double(n1 - ns0_) / double(t1 - tick0_) : 1.0;
        short_ticks_ = static_cast<std::uint64_t>(1000.0 / ns_per_tick_);
#else
        // Stamps are steady_clock's ns: only the origin moves (ns since start_), no rate.
        tick0_ = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(start_.time_since_epoch())
                .count());
        ns0_ = 0;
        ns_per_tick_ = 1.0;
        short_ticks_ = 1000;
#endif
    }
}

void tracer::start() {
    std::lock_guard<std::mutex> g(control_);
    if (rings_.empty()) return;  // prepare first
    if (on_.load(std::memory_order_relaxed)) return;
    gen_.fetch_add(1, std::memory_order_relaxed);  // published by the store below
    on_.store(true, std::memory_order_release);
    tracing_runtimes.fetch_add(1, std::memory_order_relaxed);
}

void tracer::stop() noexcept {
    std::lock_guard<std::mutex> g(control_);
    if (on_.exchange(false, std::memory_order_relaxed))
        tracing_runtimes.fetch_sub(1, std::memory_order_relaxed);
}

/// Turns a ring's words back into events (trace_ring.hpp has the format). A short record has no
/// time: an unstamped poll's start gets 0 (fill_unstamped gives it one), any other the time of
/// the record before it in the ring, i.e. of the poll it happened in.
void tracer::decode(std::size_t ring, const std::vector<std::uint64_t>& words,
                    std::vector<raw_event>& out) {
    std::ptrdiff_t worker = ring < workers_ ? static_cast<std::ptrdiff_t>(ring) : -1;
    std::uint64_t last = decode_ts_[ring];
    for (std::size_t i = 0; i < words.size();) {
        std::uint64_t w0 = words[i];
        auto k = static_cast<std::uint8_t>(w0);
        raw_event e;
        if (k == raw_spawn_in_poll) {  // a spawn and its site, at the time of the poll
            if (i + 4 > words.size()) break;
            auto line = static_cast<std::uint32_t>(w0 >> 16);
            out.push_back(raw_event{
                last, words[i + 1], decode_poll_[ring],
                raw_event::pack(0, static_cast<std::uint8_t>(trace::kind::spawn), worker)});
            out.push_back(raw_event{last, words[i + 2], words[i + 3],
                                    raw_event::pack(line, raw_site, worker)});
            i += 4;
            continue;
        }
        if (w0 & long_bit) {
            if (i + 4 > words.size()) break;  // cannot happen: records are published whole
            e = raw_event{words[i + 1], words[i + 2], words[i + 3],
                          raw_event::pack(static_cast<std::uint32_t>(w0 >> 16), k, worker)};
            i += 4;
        } else {
            bool untimed_poll = k == static_cast<std::uint8_t>(trace::kind::poll_begin);
            e = raw_event{untimed_poll ? 0 : last, w0 >> 16, (w0 >> 9) & 0x7f,
                          raw_event::pack(0, k, worker)};
            i += 1;
        }
        if (k == raw_gap) {  // what came before is no guide to what follows
            last = 0;
            decode_poll_[ring] = 0;
        } else if (k != raw_site) {
            last = e.ts;
        }
        if (k == static_cast<std::uint8_t>(trace::kind::poll_begin)) decode_poll_[ring] = e.task;
        out.push_back(e);
    }
    decode_ts_[ring] = last;
}

/// Gives the unstamped events of raw (ts 0, recorded by a worker in a sparse stretch) times:
/// the unstamped polls of a run between two stamped events share the time between them evenly,
/// and every other event gets the time of the poll it happened in. A run with no stamped event
/// after it yet is moved to held (the next take bounds it), unless final: then it ends at the
/// last stamp. last_io: the stamp before raw's first event (kept from the previous take, which
/// held back the run raw starts with), and after the call the stamp before what was held.
void tracer::fill_unstamped(std::vector<raw_event>& raw, std::vector<raw_event>& held, bool final,
                            std::uint64_t& last_io) {
    // A spawn's site record goes with its spawn.
    auto unstamped = [&](std::size_t x) {
        while (x > 0 && raw[x].k() == raw_site) --x;
        return raw[x].ts == 0 && raw[x].k() != raw_gap;
    };
    std::size_t i = 0, n = raw.size();
    std::uint64_t last = last_io;  // the stamp before the current run (0: none, or a gap since)
    while (i < n) {
        if (!unstamped(i)) {
            last = raw[i].k() == raw_gap ? 0 : raw[i].ts;
            ++i;
            continue;
        }
        std::size_t j = i, polls = 0;  // the run is [i, j)
        for (; j < n && unstamped(j); ++j)
            polls += raw[j].k() == static_cast<std::uint8_t>(trace::kind::poll_begin);
        if (j == n && !final) {
            held.assign(raw.begin() + static_cast<std::ptrdiff_t>(i), raw.end());
            raw.resize(i);
            last_io = last;
            return;
        }
        // Bounds: the stamps around the run; a gap or the end leaves only the one before it.
        std::uint64_t end = j < n && raw[j].k() != raw_gap ? raw[j].ts : last;
        if (last == 0) last = end;
        double step = end > last ? double(end - last) / double(polls + 1) : 0.0;
        std::uint64_t cur = last;
        std::size_t m = 0;
        for (std::size_t x = i; x < j; ++x) {
            if (raw[x].k() == static_cast<std::uint8_t>(trace::kind::poll_begin))
                cur = last + static_cast<std::uint64_t>(step * double(++m));
            raw[x].ts = cur;
        }
        i = j;
    }
    last_io = last;
}

std::uint64_t tracer::to_ns(std::uint64_t ticks) const noexcept {
    // The difference first, exactly: stamps can be large (ns since 1970 under Emscripten), and
    // as doubles they were 256 ns apart.
    double d = double(static_cast<std::int64_t>(ticks - tick0_)) * ns_per_tick_;
    double ns = double(ns0_) + d;
    return ns > 0 ? static_cast<std::uint64_t>(ns) : 0;
}

std::uint64_t tracer::collect() {
    std::lock_guard<std::mutex> g(control_);
    if (rings_.empty()) return 0;
    std::uint64_t n = 0;
    for (std::size_t r = 0; r < rings_.size(); ++r) {
        std::size_t before = collected_[r].size();
        rings_[r]->drain(collected_[r]);
        n += collected_[r].size() - before;
    }
    return n;
}

void tracer::take(trace::log& out) {
    std::lock_guard<std::mutex> g(control_);
    out.events.clear();  // keeps its capacity
    out.names.clear();
    out.dropped = 0;
    out.workers = workers_;
    out.names.emplace_back();
    if (rings_.empty()) return;
#if WEIR_TRACE_TSC
    {  // refine the rate over everything since the first start
        std::uint64_t t1 = 0, n1 = 0;
        if (clock_pair(start_, t1, n1) && t1 > tick0_ + 1000000)
            ns_per_tick_ = double(n1 - ns0_) / double(t1 - tick0_);
    }
#endif
    std::unordered_map<const char*, std::uint32_t> name_ix;
    std::unordered_map<std::string, std::uint32_t> loc_ix;
    auto name_of = [&](const char* p) -> std::uint32_t {
        if (!p) return 0;
        auto [it, fresh] = name_ix.try_emplace(p, static_cast<std::uint32_t>(out.names.size()));
        if (fresh) out.names.emplace_back(p);
        return it->second;
    };
    auto loc_of = [&](const char* file, std::uint32_t line) -> std::uint32_t {
        if (!file) return 0;
        std::string s = spawn_location(file, line);
        auto [it, fresh] = loc_ix.try_emplace(s, static_cast<std::uint32_t>(out.names.size()));
        if (fresh) out.names.push_back(std::move(s));
        return it->second;
    };
    std::vector<std::size_t> bounds{0};  // where each ring's events start in out.events
    bool final = !on_.load(std::memory_order_relaxed);  // no stamps will come to bound a run
    for (std::size_t r = 0; r < rings_.size(); ++r) {
        std::vector<raw_event>& raw = raw_;
        raw.swap(held_[r]);  // what the last take held back comes first
        held_[r].clear();
        words_.clear();
        words_.swap(collected_[r]);  // what collect() moved out of the ring comes first
        rings_[r]->drain(words_);
        decode(r, words_, raw);
        out.dropped += rings_[r]->take_dropped();
        if (r < workers_) fill_unstamped(raw, held_[r], final, fill_last_[r]);
        // A spawn whose site record is not published yet waits for it (the next take).
        if (!final && !raw.empty() &&
            raw.back().k() == static_cast<std::uint8_t>(trace::kind::spawn)) {
            held_[r].insert(held_[r].begin(), raw.back());
            raw.pop_back();
        }
        out.events.reserve(out.events.size() + raw.size() * (r < workers_ ? 2 : 1));
        for (const raw_event& x : raw) {
            if (x.k() == raw_site) {  // name and location of the spawn just before it
                if (!out.events.empty() && out.events.back().k == trace::kind::spawn) {
                    out.events.back().name = name_of(reinterpret_cast<const char*>(x.task));
                    out.events.back().location = loc_of(reinterpret_cast<const char*>(x.a), x.b());
                }
                continue;
            }
            // A worker's poll ends where the worker records something it does between polls
            // (a poll, a park, a steal, a timer firing), or at a gap; a: 1 if the task
            // finished in it.
            auto end_poll = [&](std::uint64_t at) {
                if (r >= workers_ || !open_poll_[r]) return;
                trace::event end;
                end.ts_ns = at;
                end.task = open_poll_[r];
                end.a = poll_done_[r] ? 1 : 0;
                end.worker = static_cast<std::int32_t>(r);
                end.k = trace::kind::poll_end;
                out.events.push_back(end);
                open_poll_[r] = 0;
                poll_done_[r] = false;
            };
            if (x.k() == raw_gap) {  // events were dropped here
                end_poll(last_ns_[r]);
                continue;
            }
            trace::event e;
            // Never before the ring's last event, whatever the rate did since the last take: a
            // ring is in time order (the merge below and the slices of to_chrome_json need it).
            e.ts_ns = last_ns_[r] = std::max(to_ns(x.ts), last_ns_[r]);
            e.task = x.task;
            e.a = x.a;
            e.b = x.b();
            e.worker = x.worker();
            e.k = static_cast<trace::kind>(x.k());
            if (e.k >= trace::kind::lost_waker) {  // a holds a name (trace_named)
                e.name = name_of(reinterpret_cast<const char*>(x.a));
                e.a = 0;
            }
            if (e.k == trace::kind::poll_begin || e.k == trace::kind::park ||
                e.k == trace::kind::steal || e.k == trace::kind::timer_fired)
                end_poll(e.ts_ns);
            if (r < workers_ && e.k == trace::kind::poll_begin) open_poll_[r] = e.task;
            if (r < workers_ && e.k == trace::kind::finish && e.task == open_poll_[r])
                poll_done_[r] = true;
            out.events.push_back(e);
        }
        bounds.push_back(out.events.size());
    }
    // Each ring is in time order: merge the runs pairwise (O(n log rings); equal stamps keep
    // the earlier ring's order, and within a ring their recorded order).
    auto by_time = [](const trace::event& x, const trace::event& y) { return x.ts_ns < y.ts_ns; };
    auto at = [&](std::size_t i) { return out.events.begin() + static_cast<std::ptrdiff_t>(i); };
    for (std::size_t width = 1; width + 1 < bounds.size(); width *= 2) {
        for (std::size_t i = 0; i + width + 1 < bounds.size(); i += 2 * width) {
            std::size_t mid = i + width, end = std::min(i + 2 * width, bounds.size() - 1);
            std::inplace_merge(at(bounds[i]), at(bounds[mid]), at(bounds[end]), by_time);
        }
    }
}

const char* intern_name(std::string_view name) {
    static std::mutex m;
    static auto* names = new std::unordered_set<std::string>();  // never freed: names outlive
    std::lock_guard<std::mutex> g(m);                            // tasks and runtimes
    return names->emplace(name).first->c_str();
}

}  // namespace weir::detail

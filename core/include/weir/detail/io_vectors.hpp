// The buffers of one vectored call (readv / writev on a stream, readv_at / writev_at on a file),
// turned into the io_vec array a driver takes (io.hpp): checked against IOV_MAX, empty buffers
// left out, the total cut at io_max_len. Empty buffers take no bytes, so leaving them out changes
// nothing for the caller; it matters to a driver that hands the OS only the first few buffers
// (Asio: 64), which must never be given only empty ones and report 0, which a stream's caller
// would take for the end of the stream. The array lives in the awaiting coroutine's frame until
// the operation completes: up to 8 buffers in place, more in one heap block.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>

#include "io.hpp"
#include "kept_input.hpp"

namespace weir::detail {

class io_vec_list {
public:
    /// Throws std::invalid_argument naming `what` for more than io_max_vecs buffers.
    template <class Byte>
    io_vec_list(std::span<const std::span<Byte>> bufs, const char* what) {
        if (bufs.size() > io_max_vecs)
            throw std::invalid_argument(std::string(what) + ": " + std::to_string(bufs.size()) +
                                        " buffers, more than the " + std::to_string(io_max_vecs) +
                                        " one call takes (IOV_MAX)");
        std::size_t n = 0;
        for (const auto& b : bufs) n += b.empty() ? 0 : 1;
        if (n > in_place) {
            heap_ = std::make_unique<io_vec[]>(n);
            v_ = heap_.get();
        }
        for (const auto& b : bufs) {
            if (b.empty()) continue;
            std::size_t len = std::min(b.size(), io_max_len - total_);
            v_[n_++] = io_vec{const_cast<void*>(static_cast<const void*>(b.data())), len};
            total_ += len;
            if (total_ == io_max_len) break;  // a shorter transfer, which callers handle
        }
    }
    io_vec_list(const io_vec_list&) = delete;
    io_vec_list& operator=(const io_vec_list&) = delete;

    io_vec* data() noexcept { return v_; }
    /// How many (non-empty) buffers.
    std::size_t size() const noexcept { return n_; }
    /// Their total size in bytes; 0: nothing to transfer.
    std::size_t total() const noexcept { return total_; }

    /// Moves kept bytes (a stream's, from a read that lost a race) into the buffers in order;
    /// gives how many.
    std::size_t take_from(kept_bytes& k) noexcept {
        std::size_t got = 0;
        for (std::size_t i = 0; i < n_; ++i) {
            std::size_t len = v_[i].len;
            std::size_t n = k.take(std::span(static_cast<std::byte*>(v_[i].base), len));
            got += n;
            if (n < len) break;
        }
        return got;
    }

    /// Appends to k the first n bytes a vectored receive put into the buffers of op (an io_vec
    /// array), in order: io_awaiter's give_back for a lost readv.
    static void keep(kept_bytes& k, const io_op& op, std::size_t n) {
        const auto* v = static_cast<const io_vec*>(op.buf);
        for (std::size_t i = 0; i < op.len && n > 0; ++i) {
            std::size_t part = std::min(n, v[i].len);
            k.push_back(v[i].base, part);
            n -= part;
        }
    }

private:
    static constexpr std::size_t in_place = 8;
    io_vec local_[in_place];
    std::unique_ptr<io_vec[]> heap_;
    io_vec* v_ = local_;
    std::size_t n_ = 0;
    std::size_t total_ = 0;
};

}  // namespace weir::detail

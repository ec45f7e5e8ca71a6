#include "core/elements/rawparse/byte_adapter.hpp"

#include "core/memory/counters.hpp"
#include "core/memory/memory_map.hpp"

#include <algorithm>

namespace tessera::core {

void byte_adapter::push(buffer&& b) {
  const std::size_t n = b.size();
  if (n == 0) return;
  buffers_.push_back(std::move(b));
  available_ += n;
}

void byte_adapter::clear() noexcept {
  buffers_.clear();
  skip_ = 0;
  available_ = 0;
}

result<buffer> byte_adapter::take(std::size_t n) {
  if (n == 0 || n > available_)
    return fail(errc::invalid_argument, "byte_adapter: cannot take " + std::to_string(n) + " bytes of " +
                                            std::to_string(available_));
  auto out = buffers_.front().size() - skip_ >= n ? take_from_front(n) : take_spanning(n);
  if (out) available_ -= n;
  return out;
}

result<buffer> byte_adapter::take_from_front(std::size_t n) {
  buffer& front = buffers_.front();
  if (front.size() - skip_ == n) {
    // The last bytes of this buffer: hand the buffer itself on, trimmed in place
    // (its writable memories stay writable; shared ones become shares of the range).
    buffer whole = std::move(front);
    buffers_.pop_front();
    const std::size_t from = skip_;
    skip_ = 0;
    if (from > 0)
      if (auto r = whole.resize(from, n); !r) return r.error();
    return whole;
  }
  auto part = front.share_region(skip_, n);
  if (!part) return part.error();
  skip_ += n;
  return part;
}

result<buffer> byte_adapter::take_spanning(std::size_t n) {
  auto made = buffer::allocate(n);
  if (!made) return made.error();
  buffer out = std::move(made).value();
  {
    auto dst = out.map(map_access::write);
    if (!dst) return dst.error();
    std::size_t filled = 0;
    while (filled < n) {
      buffer& front = buffers_.front();
      // Copy out of each memory of the front buffer from `skip_` on.
      std::size_t pos = 0;
      for (const memory& m : front.memories()) {
        const std::size_t msize = m.size();
        if (pos + msize <= skip_) {
          pos += msize;
          continue;
        }
        const std::size_t from = skip_ - pos;
        const std::size_t count = std::min(msize - from, n - filled);
        memory handle = m;
        auto src = handle.map(map_access::read);
        if (!src) return src.error();
        counted_copy(dst->data() + filled, src->data() + from, count);
        filled += count;
        skip_ += count;
        pos += msize;
        if (filled == n) break;
      }
      if (skip_ == front.size()) {
        buffers_.pop_front();
        skip_ = 0;
      }
    }
  }
  return out;
}

}  // namespace tessera::core

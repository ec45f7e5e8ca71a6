#pragma once
/// A byte accumulator (GstAdapter): buffers of any size go in, byte ranges of a
/// chosen size come out, in order.
///
/// `take(n)` gives the first `n` bytes as one buffer, as cheaply as the data allows:
///  - the front buffer holds them all: a share of that range (no copy); when they
///    are the rest of the front buffer, the buffer itself is handed on, trimmed, so
///    a writable input stays writable (an in-place transform downstream then needs
///    no copy either);
///  - they straddle buffers: one new contiguous buffer, filled by counted copies
///    (downstream elements map frames as one range, so a copy now saves a merge later).
/// Metadata (pts, offsets, flags) of the returned buffer is left for the caller.
///
/// Ownership: the adapter owns the buffers pushed into it until they are taken or
/// cleared. Thread safety: none; the owner serializes access.

#include "core/memory/buffer.hpp"
#include "core/support/result.hpp"

#include <cstddef>
#include <deque>

namespace tessera::core {

class byte_adapter {
 public:
  byte_adapter() = default;
  byte_adapter(const byte_adapter&) = delete;
  byte_adapter& operator=(const byte_adapter&) = delete;

  /// Appends `b` (empty buffers are ignored).
  void push(buffer&& b);
  /// Bytes that can be taken.
  std::size_t available() const noexcept { return available_; }
  /// The first `n` bytes (n <= available(), n > 0), removed from the adapter.
  result<buffer> take(std::size_t n);
  /// Drops everything.
  void clear() noexcept;

 private:
  result<buffer> take_from_front(std::size_t n);
  result<buffer> take_spanning(std::size_t n);

  std::deque<buffer> buffers_;
  std::size_t skip_ = 0;       // bytes of buffers_.front() already taken
  std::size_t available_ = 0;  // bytes in buffers_ minus skip_
};

}  // namespace tessera::core

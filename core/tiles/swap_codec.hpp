#pragma once
/// How a tile's bytes are stored in the swap file: LZ4-compressed when that saves at
/// least an eighth of the size (else raw, so incompressible pixels cost no decode
/// time), and always with a 64-bit checksum of the raw bytes, verified on the way back
/// so a corrupted swap file is reported instead of turning into wrong pixels.

#include "core/support/result.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace tessera::core {

/// A checksum of `bytes` (64-bit, word at a time: fast enough to run on every swap).
std::uint64_t swap_checksum(std::span<const std::byte> bytes) noexcept;

/// What encode_for_swap produced and decode_from_swap needs back.
struct swap_encoding {
  bool compressed = false;
  std::uint64_t checksum = 0;  ///< of the raw bytes
};

/// Fills `out` with the bytes to store for `raw` (compressed or a copy) and says how
/// they were stored. `compress` false always stores raw.
result<swap_encoding> encode_for_swap(std::span<const std::byte> raw, bool compress, std::vector<std::byte>& out);

/// Turns `stored` back into exactly `into.size()` raw bytes and verifies the checksum.
/// A failed decode or a checksum mismatch is errc::io_error naming the `what`.
result<void> decode_from_swap(std::span<const std::byte> stored, const swap_encoding& how,
                              std::span<std::byte> into, const std::string& what);

}  // namespace tessera::core

#pragma once
/// free_extents: the free space of a region handed out in pieces (a shared memory
/// segment, a swap file), as a map of offset -> length. take() is first fit; give()
/// merges a returned piece with its free neighbours, so the space does not fragment
/// into pieces too small to reuse.
///
/// Not thread-safe: the owner guards it with its own lock.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>

namespace tessera {

class free_extents {
 public:
  struct extent {
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
  };

  /// The offset of the first free piece of `bytes` whose start, rounded up to `align`
  /// (a power of two), still fits, taken out of the free space; nullopt when none fits.
  std::optional<std::uint64_t> take(std::uint64_t bytes, std::uint64_t align = 1);
  /// Returns [offset, offset + bytes) to the free space, merged with the free pieces
  /// that touch it. Returns the merged piece.
  extent give(std::uint64_t offset, std::uint64_t bytes);
  /// Removes and returns the free piece that ends at `end`, if there is one (an owner
  /// that can shrink, a file, gives its tail back to the disk).
  std::optional<extent> take_tail(std::uint64_t end);

  /// Bytes free in all pieces.
  std::uint64_t total() const noexcept;

 private:
  std::map<std::uint64_t, std::uint64_t> free_;  // offset -> length
};

}  // namespace tessera

#pragma once
/// pool_allocator: recycles memory blocks of one size (GstBufferPool /
/// AVBufferPool behaviour).
///
/// Every block has the same region: prefix + block_size + padding bytes, aligned
/// as configured, header and region in one allocation. allocate() takes a free
/// block when there is one (a hit) and allocates a new one otherwise (a miss);
/// when the last reference to a block's memory (and to any share of it) dies,
/// the block goes back to the free list instead of being freed. min_blocks are
/// allocated up front; with max_blocks set, asking for more than that many
/// blocks at once is errc::limit_exceeded (the caller decides whether to wait,
/// drop or fall back to another allocator).
///
/// Ownership: the pool_allocator object is the owner's handle. Destroying it
/// while blocks are out is safe: the free blocks are freed at once, the ones out
/// are freed when their memory dies, and the pool's shared state goes with the
/// last of them.
///
/// Thread safety: allocate(), stats() and the return of blocks (from any thread)
/// are safe concurrently; they take one mutex per call.

#include "core/memory/allocator.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace tessera::core {

namespace detail {
class pool_core;
}

struct pool_config {
  std::string name = "pool";   ///< shown in errors and by memory::allocator_name()
  std::size_t block_size = 0;  ///< bytes of visible data per block; > 0
  std::size_t min_blocks = 0;  ///< allocated when the pool is created
  std::size_t max_blocks = 0;  ///< most blocks in existence (out + free); 0: no limit
  alloc_params params;         ///< align, prefix and padding of every block (flags unused)
};

struct pool_stats {
  std::uint64_t hits = 0;         ///< allocations served from the free list
  std::uint64_t misses = 0;       ///< allocations that needed a new block
  std::size_t outstanding = 0;    ///< blocks whose memory is alive
  std::size_t free_blocks = 0;    ///< blocks waiting in the free list
  std::size_t total_blocks = 0;   ///< outstanding + free_blocks
};

class pool_allocator final : public allocator {
 public:
  /// Checks the configuration (block_size > 0, align a power of two,
  /// min_blocks <= max_blocks when max_blocks is set) and allocates min_blocks.
  static result<std::unique_ptr<pool_allocator>> create(pool_config config);
  ~pool_allocator() override;

  std::string_view name() const noexcept override;

  /// A memory from the pool with `size` visible bytes after params.prefix. The
  /// request must fit a block: params.align <= the pool's alignment and
  /// params.prefix + size + params.padding <= the block's region; otherwise
  /// errc::invalid_argument naming both. params.flags are applied (zero fill,
  /// readonly) on every allocation, since recycled blocks hold old data.
  result<memory> allocate(std::size_t size, const alloc_params& params = {}) override;
  /// A memory of block_size bytes with the pool's own prefix and padding.
  result<memory> acquire();

  std::size_t block_size() const noexcept;
  std::size_t min_blocks() const noexcept;
  std::size_t max_blocks() const noexcept;
  pool_stats stats() const noexcept;

 private:
  explicit pool_allocator(detail::pool_core* core) noexcept : core_(core) {}
  detail::pool_core* core_;  ///< shared with the blocks that are out; see the class comment
};

}  // namespace tessera::core

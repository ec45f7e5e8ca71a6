#pragma once
/// Where the bytes behind copy-on-write storage come from, and where they go when
/// they are swapped out: the interface point for the tile cache (GIMP's MemMgr; its
/// design, "MemMgr and ShmMgr": "MemMgr does the alloc, free, swapping and caching of
/// the memory referred to by the smart pointers").
///
/// A `cow_storage` never calls `new` itself. It asks its block manager for a block
/// when it is created or copied, gives the block back when it dies, and, if a manager
/// evicts it (`cow_storage::evict()`), hands the bytes to `swap_out` and later asks
/// `swap_in` for them again when a pointer starts a read or write use.

#include "core/support/result.hpp"

#include <cstddef>
#include <span>

namespace tessera::core {

class cow_storage;

/// Supplies and takes back the byte blocks of `cow_storage`, and optionally keeps the
/// bytes of evicted storage somewhere else (a swap file, a compressed cache).
///
/// Ownership: a manager must outlive every storage created with it (storages keep a
/// reference). A block handed out by `allocate` belongs to the storage until it is
/// passed back to `deallocate`.
///
/// Thread safety: storages on different threads call their manager concurrently, so an
/// implementation must be thread-safe. Calls about one storage never overlap (the
/// storage serializes them), and a manager must not call back into the storage from
/// within a call.
class cow_block_manager {
 public:
  virtual ~cow_block_manager() = default;

  /// A block of `size_bytes` (> 0) aligned to `alignment` (a power of two). Contents
  /// are unspecified. Failure is an error (usually errc::no_memory), never nullptr.
  virtual result<std::byte*> allocate(std::size_t size_bytes, std::size_t alignment) noexcept = 0;

  /// Takes back a block obtained from `allocate` with the same size and alignment.
  virtual void deallocate(std::byte* block, std::size_t size_bytes,
                          std::size_t alignment) noexcept = 0;

  /// Keeps a copy of `bytes`, the contents of `storage`, which is about to give its
  /// block back. On error the storage stays resident. The default refuses: a manager
  /// that does not swap never lets storage be evicted.
  virtual result<void> swap_out(const cow_storage& storage, std::span<const std::byte> bytes) noexcept;

  /// Fills `into` with the bytes kept by `swap_out` for `storage`, which is resident
  /// again afterwards; the manager may drop its copy. Only called after a successful
  /// swap_out for the same storage.
  virtual result<void> swap_in(const cow_storage& storage, std::span<std::byte> into) noexcept;

  /// `storage` died while swapped out: drop whatever swap_out kept for it.
  virtual void discard(const cow_storage& storage) noexcept;
};

/// The process-wide manager used when none is given: aligned operator new/delete,
/// counted in the memory counters (count_allocation / count_free), no swapping.
/// Thread-safe; lives for the whole program. Other managers count their own blocks.
cow_block_manager& system_block_manager() noexcept;

}  // namespace tessera::core

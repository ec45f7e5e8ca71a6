#pragma once
/// One tile of a tiled_image as the tile cache sees it: the tile's copy-on-write pointer
/// and valid flag, a mutex, and (as a cache_entry) its place in the manager's
/// least-recently-used order.
///
/// The mutex is what lets the manager evict a cold tile from another thread: the
/// image holds it around every operation that changes which storage the pointer
/// refers to (alloc, write, join, unalloc), and the manager only ever try_locks it, so
/// an image never waits for the eviction of a tile it is not using, and an eviction
/// never waits for an image.

#include "core/memory/cow.hpp"
#include "core/tiles/cache_entry.hpp"

#include <mutex>

namespace tessera::core {

/// Ownership: owned by its image (in a heap array: it never moves, the manager keeps a
/// pointer to it while it is listed). `ptr` and `valid` are guarded by `mutex`; an
/// eviction claims the tile by try_locking it.
struct managed_tile final : cache_entry {
  mutable std::mutex mutex;
  cow_ptr ptr;
  bool valid = false;

  bool try_claim() noexcept override { return mutex.try_lock(); }
  result<void> evict_claimed() noexcept override;
};

}  // namespace tessera::core

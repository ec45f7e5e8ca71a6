#pragma once
/// cache_entry: what the tile cache's least-recently-used list holds. Two kinds of tile
/// memory live under one budget: the tiles of tiled_images (copy-on-write pointers,
/// managed_tile) and the tile memories of frames in flight (the tile cache's
/// allocator, frame_tile_allocator). The manager orders them by use and, to make
/// room, asks the coldest ones to leave RAM; each kind knows how.
///
/// Eviction happens in two steps so the manager never waits for a user of a tile and
/// never holds its own lock while writing the swap file: under its lock it try_claim()s
/// the coldest entry (never blocking), then without its lock evict_claimed() writes the
/// bytes out and ends the claim.
///
/// Ownership: the entry belongs to whoever created it and must be untracked before it
/// dies; the manager keeps a pointer while it is listed. The list fields are guarded
/// by the manager's mutex.

#include "core/support/result.hpp"

#include <list>

namespace tessera::core {

class tile_cache;

class cache_entry {
 public:
  /// Takes the entry for eviction if nobody is operating on it now; never blocks.
  virtual bool try_claim() noexcept = 0;
  /// For a claimed entry: swaps its bytes out when they are resident and unused, and
  /// ends the claim whatever happens. errc::bad_state when there was nothing to evict
  /// (in use, already out); other errors are swap-out failures (the bytes stay).
  virtual result<void> evict_claimed() noexcept = 0;

 protected:
  cache_entry() = default;
  cache_entry(const cache_entry&) = delete;
  cache_entry& operator=(const cache_entry&) = delete;
  ~cache_entry() = default;

 private:
  friend class tile_cache;
  bool listed_ = false;
  std::list<cache_entry*>::iterator lru_position_;
};

}  // namespace tessera::core

#pragma once
/// One tile of a tiled_image as the MemMgr sees it: the tile's copy-on-write pointer
/// and valid flag, a mutex, and its place in the manager's least-recently-used order.
///
/// The mutex is what lets the manager evict a cold tile from another thread: the
/// image holds it around every operation that changes which storage the pointer
/// refers to (alloc, write, join, unalloc), and the manager only ever try_locks it, so
/// an image never waits for the eviction of a tile it is not using, and an eviction
/// never waits for an image.

#include "core/memory/cow.hpp"

#include <list>
#include <mutex>

namespace tessera::core {

class mem_mgr;

/// Ownership: owned by its image (in a heap array: it never moves, the manager keeps a
/// pointer to it while it is listed). `ptr` and `valid` are guarded by `mutex`; the
/// LRU fields by the manager's mutex.
struct managed_tile {
  mutable std::mutex mutex;
  cow_ptr ptr;
  bool valid = false;

  // The manager's (guarded by its mutex): where the tile is in its LRU list.
  mem_mgr* mgr = nullptr;
  bool listed = false;
  std::list<managed_tile*>::iterator lru_position;
};

}  // namespace tessera::core

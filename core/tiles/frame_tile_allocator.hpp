#pragma once
/// frame_tile_allocator: the memory of tiled frames in flight lives in the tile cache.
///
/// Each memory it hands out is one tile of a frame (tiled_frame.hpp), a page-aligned
/// region of its own whose bytes count against the tile cache's budget like the tiles of
/// a tiled_image. When the budget is exceeded, the coldest tile memories that no map
/// holds are written to the manager's swap file and their pages given back to the
/// kernel (madvise), so a frame waiting in a queue, or the part of a huge frame an
/// element is not working on, leaves RAM. The region keeps its address: shares and
/// buffers that refer to the memory stay valid, and the next map (or bytes pin) of
/// any of them reads the bytes back first (block_owner::pin_bytes, on the calling
/// thread). bring_in() (frame_residency.hpp) does that read on the manager's I/O
/// thread instead, so a streaming task awaits it without blocking its thread.
///
/// A tile read back only to be read keeps its swap copy (GIMP's clean tile): its next
/// eviction drops the pages without writing; a write map makes the copy stale.
///
/// A tile not yet mapped since its allocation has no contents (allocate() leaves
/// them unset), so evicting it drops its pages without a write, as for a free tile.
///
/// Freed tiles are recycled (regions of one size are reused, like a buffer pool);
/// a free tile stays resident until the budget wants its room, and then its pages are
/// dropped without a write.
///
/// Failures: a swap-out that fails leaves the tile resident (the manager counts and
/// keeps the error); a swap-in that fails (a corrupt tile, an I/O error) fails the map
/// with the manager's message, and the swap copy stays for a retry.
///
/// Ownership: borrows the manager, which must outlive it; must outlive every memory it
/// handed out. Thread safety: all members may be called from any thread.

#include "core/memory/allocator.hpp"
#include "core/memory/memory_block.hpp"
#include "core/tiles/tile_cache.hpp"

#include <cstddef>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tessera::core {

namespace detail {
struct frame_tile_block;
}

class frame_tile_allocator final : public allocator, public detail::block_owner {
 public:
  explicit frame_tile_allocator(tile_cache& manager);
  ~frame_tile_allocator() override;

  std::string_view name() const noexcept override { return "tile cache"; }
  /// A tile memory of `size` bytes (plus prefix and padding), aligned to a page;
  /// an alignment above the page size is errc::invalid_argument. Makes room in the
  /// budget first (swapping cold tiles out).
  result<memory> allocate(std::size_t size, const alloc_params& params = {}) override;

  tile_cache& manager() noexcept { return mgr_; }

  /// The frame_tile_allocator `m` comes from, nullptr for other memory.
  static frame_tile_allocator* of(const memory& m) noexcept;
  /// Whether the bytes of `m` are in RAM now: false only for a tile memory of a
  /// frame_tile_allocator that is swapped out.
  static bool is_resident(const memory& m) noexcept;
  /// Reads the bytes of `m` back if they are swapped out (on the calling thread);
  /// true when they were. A no-op for other memory.
  static result<bool> swap_in(const memory& m) noexcept;

  // --- block_owner ---
  void release_block(detail::memory_block* block) noexcept override;
  std::string_view owner_name() const noexcept override { return "tile cache"; }
  result<void> pin_bytes(detail::memory_block* root, bool for_write) noexcept override;
  void unpin_bytes(detail::memory_block* root) noexcept override;

 private:
  detail::frame_tile_block* take_free(std::size_t region_bytes) noexcept;

  tile_cache& mgr_;
  std::mutex free_mutex_;  // the free lists
  std::unordered_map<std::size_t, std::vector<detail::frame_tile_block*>> free_;  // by region bytes
  std::size_t outstanding_ = 0;  // blocks handed out and not yet back (guarded by free_mutex_)
};

}  // namespace tessera::core

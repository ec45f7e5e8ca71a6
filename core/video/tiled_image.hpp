#pragma once
/// tiled_image: GIMP's tiled image buffer (design, "Image Buffers") on tessera's
/// copy-on-write smart pointer.
///
/// The image is a three-dimensional block of pixels x pixels x bytes: the Tag (pixel
/// format, bytes per pixel) fixed at creation, and x/y tiled by period and phase
/// (tile_grid). Every tile has its own `cow_ptr`, so every tile is its own COW memory:
/// share() makes a second image whose tiles join this one's storage, and a write use
/// of one tile of either image copies that tile alone (the copy goes through
/// counted_copy). The smart pointer rather than a GstMemory-like `memory` because the
/// design puts image data behind smart pointers whose storage the tile cache may swap out
/// and bring back (cow_storage::evict / cow_block_manager): a `memory` cannot leave
/// RAM.
///
/// Per tile lifecycle, a superset of the pointer's:
///   unallocated --alloc--> allocated, invalid --validate--> valid --use--> in use
///              <-unalloc--                    <-invalidate--      <-release-
/// Validation fills the tile with zeros, or runs the image's custom validator.
/// use() chains alloc and validate for an unallocated or invalid tile (auto-alloc,
/// auto-validate); use_flags suppress either. Uses are read (shared bytes, read-only),
/// write (copy-on-write: a shared tile is copied first) and update (GIMP's update: the
/// bytes of the storage itself, changed for every image sharing it, no copy; for
/// repairing shared data).
///
/// The old tile manager's catalogue (design, "Comparison to Existing Image Buffers")
/// and where each entry went:
///   tile_manager_new/destroy/level_width/height/bpp   create(), ~tiled_image, width(), height(), tag()
///   tile_manager_get_tile                             use() with auto-alloc and auto-validate
///   tile_release                                      tile_use::release(); invalidate(); unalloc()
///   tile_invalidate_tile, tile_invalidate             invalidate() then unalloc()
///   tile_is_valid                                     query()
///   tile_manager_get_tile_coordinates                 tile_grid::tile_area(), focus()
///   tile_manager_set_validate_proc, set/get_user_data set_validator() (the function carries its data)
///   tile_manager_map_tile, map_over_tile              map_tile() (COW: the tile's storage is shared)
///   tile_manager_get_async                            async_use()
///   tile_data_pointer, ewidth, eheight, bpp, size     tile_use::data(), where(), stride_bytes()
///   tile_init/attach/detach, tile_alloc, tile_lock    cow_ptr init/join/uninit, alloc(), use()
///   tile_manager_validate, invalidate_tiles           validate(), invalidate()
///   tile_swap_add/exit, in/out/delete/compress        tile_cache::create / ~tile_cache, swap_in/out,
///                                                     discard, LZ4 in swap_codec
///   tile_cache_insert/flush/set_size                  tile_cache::touch, flush(), set_cache_bytes()
///
/// Ownership: the image owns its tile pointers; a tile_use borrows the image and must
/// not outlive it. Movable (tiles live on the heap and never move).
///
/// Thread safety: one image is used by one thread at a time. Images sharing tiles may
/// be used from different threads (the cow_ptr rule).

#include "core/memory/cow.hpp"
#include "core/tiles/managed_tile.hpp"
#include "core/video/tile_geometry.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <variant>

namespace tessera::core {

/// What use() may do on its own. Bits.
enum class use_flags : unsigned {
  none = 0,
  no_auto_alloc = 1,     ///< an unallocated tile is an error instead of being allocated
  no_auto_validate = 2,  ///< an invalid tile is not validated (see tiled_image::use)
  /// the tile cache is not asked to make room first: for a caller pinning tiles that are
  /// resident already (image_frame.hpp), whose room-making would only evict the idle
  /// tiles it is about to pin next
  no_make_room = 4,
};
constexpr use_flags operator|(use_flags a, use_flags b) noexcept {
  return static_cast<use_flags>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}
constexpr bool has(use_flags set, use_flags bit) noexcept {
  return (static_cast<unsigned>(set) & static_cast<unsigned>(bit)) != 0;
}

/// The kinds of use of a tile.
enum class tile_access { read, write, update };

/// Fills a freshly allocated tile with valid pixels: `bytes` is the whole tile memory
/// (grid.tile_bytes()), `area` the image pixels it holds. Must not throw.
using tile_validator = std::function<void(const tile_grid& grid, std::size_t tile_index, const tile_rect& area,
                                          std::span<std::byte> bytes)>;

/// What query() tells about one tile (GIMP's gimp_buffer_query).
struct tile_status {
  bool allocated = false;
  bool valid = false;
  cow_state state = cow_state::unalloc;
};

/// One use of a tile, held until release() or destruction. `data()` points at the
/// portion's top-left pixel; rows are `stride_bytes()` apart. Move-only.
class tile_use {
 public:
  tile_use(tile_use&&) noexcept = default;
  tile_use& operator=(tile_use&&) noexcept = default;

  const portion& where() const noexcept { return portion_; }
  tile_access access() const noexcept { return access_; }
  std::size_t stride_bytes() const noexcept { return portion_.stride_bytes; }
  /// The portion's first pixel, read-only.
  const std::byte* data() const noexcept { return tile_.data() + portion_.offset_bytes; }
  /// The portion's first pixel for writing: nullptr for a read use.
  std::byte* writable_data() const noexcept {
    return access_ == tile_access::read ? nullptr : tile_.data() + portion_.offset_bytes;
  }
  /// The whole tile memory (for a read use, not to be written).
  std::span<const std::byte> tile_bytes() const noexcept { return tile_; }
  /// Ends the use now.
  void release() noexcept;
  ~tile_use() { release(); }

 private:
  friend class tiled_image;
  tile_use(cow_read_guard g, portion p, tile_access a) noexcept;
  tile_use(cow_write_guard g, portion p) noexcept;

  std::variant<std::monostate, cow_read_guard, cow_write_guard> guard_;
  std::span<std::byte> tile_;
  portion portion_;
  tile_access access_ = tile_access::read;
};

class tiled_image {
 public:
  /// A new image, every tile unallocated. `manager` supplies the tiles' storage (the
  /// process's default or a tile cache); it must outlive the image and its shares. With a
  /// tile_cache, the tiles count against its budget and cold ones are swapped out before
  /// each use (see tile_cache.hpp).
  static result<tiled_image> create(const tile_tag& tag, std::size_t width, std::size_t height,
                                    const axis_tiling& x, const axis_tiling& y,
                                    cow_block_manager& manager = system_block_manager());

  tiled_image(tiled_image&&) noexcept = default;
  tiled_image& operator=(tiled_image&& other) noexcept;
  /// Leaves the manager's lists; the storage goes with the last image sharing it.
  ~tiled_image();

  /// The tile cache of the tiles, nullptr when the image was made with another manager.
  tile_cache* manager() const noexcept { return mgr_; }
  /// Whether using tile `tile` needs no swap-in (unallocated tiles count as resident).
  bool is_resident(std::size_t tile) const;

  const tile_grid& grid() const noexcept { return grid_; }
  std::size_t width() const noexcept { return grid_.width(); }
  std::size_t height() const noexcept { return grid_.height(); }
  const tile_tag& tag() const noexcept { return grid_.tag(); }
  result<portion> focus(const tile_rect& roi) const { return grid_.focus(roi); }

  /// Replaces zero-fill as what validate() does (an empty function: zero-fill again).
  /// Tiles already valid keep their pixels.
  void set_validator(tile_validator v) { validator_ = std::move(v); }

  // --- the lifecycle of one tile (index as in tile_grid); errors name the tile ---
  /// Unallocated -> allocated (zero bytes, not valid). errc::bad_state if allocated.
  result<void> alloc(std::size_t tile);
  /// Allocated, unused -> unallocated; also leaves a share of the storage. The
  /// tile becomes invalid. errc::bad_state while it is in use.
  result<void> unalloc(std::size_t tile);
  /// Allocated -> valid: zero-fill or the validator (a copy of the tile first if its
  /// storage is shared). Valid tiles are left alone. errc::bad_state if unallocated.
  result<void> validate(std::size_t tile);
  /// Valid -> invalid: the next use validates again. The bytes are kept.
  result<void> invalidate(std::size_t tile);
  tile_status query(std::size_t tile) const;

  /// Starts a use of the tile holding `p` (from focus()). Unallocated: allocated
  /// unless no_auto_alloc (then errc::bad_state). Invalid: validated unless
  /// no_auto_validate; then a read use is refused (errc::bad_state: there are no
  /// pixels to read) and a write or update use makes the tile valid, since the
  /// writer supplies its pixels.
  result<tile_use> use(const portion& p, tile_access access, use_flags flags = use_flags::none);

  /// Makes `into` (an UNALLOC pointer of the caller's) share the storage of tile
  /// `tile`, as a read use() would see it: allocated and validated first if need be
  /// (the validator runs here on a tile's first use), counted as used in the tile
  /// cache's LRU order. No bytes are copied; `into` keeps the storage alive on its own
  /// (the image may invalidate, unalloc or drop the tile meanwhile), and the first
  /// write through either pointer copies (cow_ptr). What a frame made of the image's
  /// tiles holds (image_frame.hpp). `flags` as use(); errors as use().
  result<void> join_tile(std::size_t tile, cow_ptr& into, use_flags flags = use_flags::none);

  /// Makes tile `tile` of this image share the storage of tile `source_tile` of
  /// `source` (GIMP's map_tile): no bytes are copied; the next write to either copies
  /// that tile alone. Both images need the same tile size (errc::invalid_argument);
  /// this tile must not be in use (errc::bad_state). An unallocated source tile leaves
  /// this one unallocated.
  result<void> map_tile(std::size_t tile, const tiled_image& source, std::size_t source_tile);

  /// A second image with the same grid, validator and manager whose allocated tiles
  /// join this image's storage (no bytes copied). Tiles in a write use are copied
  /// (the design's join of an UNSHARABLE pointer).
  result<tiled_image> share() const;

  /// Copies rows [y, y + rows) of the image as packed linear rows into `out`
  /// (`out_stride` bytes apart, >= width * bytes per pixel): a gather, one counted
  /// copy per tile row piece. Unallocated or invalid tiles are validated first
  /// (which may allocate), as a use would.
  result<void> read_rows(std::size_t y, std::size_t rows, std::span<std::byte> out, std::size_t out_stride);
  /// The rows' bytes in place when the image is one tile wide with no x phase and
  /// those rows lie in one tile: linear rows without a gather (rows are
  /// tile_stride_bytes() apart). Empty otherwise; a read use is held by `use_out`.
  result<std::span<const std::byte>> rows_in_place(std::size_t y, std::size_t rows, std::optional<tile_use>& use_out);
  /// Writes packed linear rows [y, y + rows) from `in` into the tiles (write uses).
  result<void> write_rows(std::size_t y, std::size_t rows, std::span<const std::byte> in, std::size_t in_stride);

 private:
  using tile_slot = managed_tile;

  tiled_image(tile_grid grid, cow_block_manager& manager);
  result<void> check_index(std::size_t tile, const char* op) const;
  result<void> run_validator(std::size_t tile);
  result<void> alloc_locked(std::size_t tile);
  void untrack_all() noexcept;

  tile_grid grid_;
  cow_block_manager* manager_;  // borrowed; outlives the image (create's contract)
  tile_cache* mgr_ = nullptr;   // manager_ when it is a tile cache
  std::unique_ptr<tile_slot[]> tiles_;
  tile_validator validator_;
};

/// use() for a coroutine: when the tile is swapped out, the coroutine moves to the
/// tile cache's swap I/O thread for the use (and its swap-in) and comes back to its own
/// executor after, so the thread it was running on goes on with other work meanwhile.
/// A resident tile is used at once, without leaving the thread. The image must not be
/// used by anyone else until this completes (the image's one-thread-at-a-time rule),
/// and the coroutine's execution context must outlive the tile cache, whose I/O thread
/// posts the coroutine back to it (the manager joins that thread when it dies).
boost::asio::awaitable<result<tile_use>> async_use(tiled_image& image, portion p, tile_access access,
                                                   use_flags flags = use_flags::none);

}  // namespace tessera::core

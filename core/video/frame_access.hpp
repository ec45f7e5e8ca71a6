#pragma once
/// frame_access: the one walker over the pixels of a raw video frame, whatever its
/// layout, so an element reaches each row piece where it lies instead of gathering a
/// tiled frame into linear rows first. Two ways to walk:
///
/// - by portions (tile_grid::focus) with pixel(x, y) and row_stride(), holding the
///   whole frame (frame_hold::whole_frame) or a band of rows at a time
///   (frame_hold::by_rows, hold_rows(y0, y1));
/// - block by block (frame_hold::by_block), a block being a tile of frame_tile_grid
///   (64x64 pixels, clipped at the right and bottom edges): map_block(i) returns block
///   i with its map, held as long as the block lives, so a walk holds a tile or two.
///
/// A linear frame is walked with a virtual grid of frame_tile_period tiles (its rows
/// are contiguous across those tiles; the grid only bounds the portions and blocks)
/// and is mapped once, for the object's life (a frame of several memories is merged
/// into one map). A tiled frame is walked with its real grid; its tile memories may
/// live in the swappable tile cache, whose bytes are only there while a pin or a map
/// is held: read access pins them (a swapped-out tile is read back), write access maps
/// them for writing (the buffer should be a fresh output: a shared tile is copied
/// first, see map_tile). What is held: with whole_frame every tile from the start until
/// the object dies; with by_rows nothing until hold_rows(y0, y1), which holds the tiles
/// of those rows and lets go of every other, so an element walking a frame larger than
/// the tile cache band by band keeps only its band in RAM; with by_block only the
/// blocks alive. pixel() is valid only for held rows.
///
/// Ownership: borrows the buffer, which must outlive the object and keep its memories.
/// One thread at a time.

#include "core/memory/buffer.hpp"
#include "core/memory/buffer_map.hpp"
#include "core/video/tile_geometry.hpp"
#include "core/video/video_info.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace tessera::core {

enum class frame_hold { whole_frame, by_rows, by_block };

class frame_access {
 public:
  /// One mapped block: its top-left pixel and the bytes from one of its rows to the
  /// next. The pixels of a row up to the block's right edge follow each other.
  struct block {
    std::byte* first = nullptr;
    std::size_t stride = 0;
    memory_map map;  ///< tiled frames: the tile's map, held as long as the block
  };

  /// Checks `b` against `info` (a tiled frame's tile memories, a linear frame's size).
  /// `who` starts error messages. Errors also: a swap-in or map that failed.
  static result<frame_access> for_reading(const video_info& info, const buffer& b, const std::string& who,
                                          frame_hold hold = frame_hold::whole_frame);
  static result<frame_access> for_writing(const video_info& info, buffer& b, const std::string& who,
                                          frame_hold hold = frame_hold::whole_frame);

  /// frame_hold::by_rows: holds the tiles holding rows [y0, y1) (clipped to the frame)
  /// and lets go of all others. Errors: a swap-in or map that failed.
  result<void> hold_rows(std::size_t y0, std::size_t y1);

  /// Block `index` of grid(), mapped (any hold; meant for frame_hold::by_block).
  result<block> map_block(std::size_t index);

  frame_access(frame_access&&) noexcept = default;
  frame_access& operator=(frame_access&&) noexcept = default;

  const tile_grid& grid() const noexcept { return grid_; }
  bool tiled() const noexcept { return tiled_; }
  std::size_t bytes_per_pixel() const noexcept { return grid_.tag().bytes_per_pixel; }

  /// Pixel (x, y) (inside the frame, in held rows); the pixels up to the end of its
  /// portion's row follow it in memory.
  std::byte* pixel(std::size_t x, std::size_t y) const noexcept {
    if (tiled_) return bases_[grid_.tile_at(x, y)] + grid_.offset_in_tile(x, y);
    return linear_->data() + y * stride_ + x * grid_.tag().bytes_per_pixel;
  }
  /// Bytes from one row of portion `p` to the next.
  std::size_t row_stride(const portion& p) const noexcept { return tiled_ ? p.stride_bytes : stride_; }

 private:
  frame_access() = default;
  static result<frame_access> make(const video_info& info, const buffer& b, const std::string& who);
  result<void> start(frame_hold how);
  result<void> hold(std::size_t index);
  void let_go(std::size_t index) noexcept;

  tile_grid grid_ = tile_grid::make({}, 1, 1, {1, 0}, {1, 0}).value();
  bool tiled_ = false;
  std::size_t stride_ = 0;        ///< linear frames: bytes per row
  const buffer* read_ = nullptr;  ///< read access: the frame
  buffer* write_ = nullptr;       ///< write access: the frame
  std::string who_;
  // Linear frames: the frame's one map (of a share when reading: map() needs a
  // mutable buffer even to read, as it may merge memories).
  buffer linear_view_;
  std::optional<buffer_map> linear_;
  // Tiled frames: per tile, its first byte and, while held, its pin or map.
  std::vector<std::byte*> bases_;
  std::vector<detail::bytes_pin> pins_;        ///< read access
  std::vector<memory_map> maps_;               ///< write access
  std::size_t held_first_ = 0, held_end_ = 0;  ///< by_rows: the tiles held now
};

}  // namespace tessera::core

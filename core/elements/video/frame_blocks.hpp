#pragma once
/// frame_blocks: a raw video frame walked one block at a time, the block being a tile
/// of frame_tile_grid (64x64 pixels, clipped at the right and bottom edges), whatever
/// the frame's layout, with its bytes reached only through maps.
///
/// A tiled frame's tile memories may live in the swappable tile cache, whose bytes
/// are only there while a map is held: map_block() maps the one tile asked for and
/// the returned block holds that map until it dies, so a walk holds a tile or two at a
/// time, never the whole frame. A linear frame is one ordinary memory, mapped once
/// for the object's life; its blocks are windows on that map.
///
/// Ownership: borrows the buffer, which must outlive the object and keep its
/// memories. One thread at a time. (Kept here rather than in core/tiles: frame_access
/// there reads linear frames whole and tiled ones through data().)

#include "core/video/video_info.hpp"
#include "core/memory/buffer.hpp"
#include "core/memory/buffer_map.hpp"
#include "core/video/tile_geometry.hpp"

#include <cstddef>
#include <optional>
#include <string>

namespace tessera::core {

class frame_blocks {
 public:
  /// One mapped block: its top-left pixel and the bytes from one of its rows to the
  /// next. The pixels of a row up to the block's right edge follow each other.
  struct block {
    std::byte* first = nullptr;
    std::size_t stride = 0;
    memory_map map;  ///< tiled frames: the tile's map, held as long as the block
  };

  /// Checks `b` against `info` (a tiled frame's tile memories, a linear frame's size);
  /// `who` starts error messages. Writing maps for write: `b` should be a fresh
  /// output (a shared tile would be copied first, see map_tile).
  static result<frame_blocks> for_reading(const video_info& info, const buffer& b, const std::string& who);
  static result<frame_blocks> for_writing(const video_info& info, buffer& b, const std::string& who);

  frame_blocks(frame_blocks&&) noexcept = default;
  frame_blocks& operator=(frame_blocks&&) noexcept = default;

  const tile_grid& grid() const noexcept { return grid_; }
  bool tiled() const noexcept { return tiled_; }

  /// Block `index` of grid(), mapped.
  result<block> map_block(std::size_t index);

 private:
  frame_blocks(const tile_grid& g, bool tiled) : grid_(g), tiled_(tiled) {}
  static result<frame_blocks> make(const video_info& info, const buffer& b, const std::string& who);

  tile_grid grid_;
  bool tiled_ = false;
  std::string who_;
  const buffer* reading_ = nullptr;  ///< tiled frames, read access
  buffer* writing_ = nullptr;        ///< tiled frames, write access
  // Linear frames: the frame's one map and its row stride.
  buffer linear_view_;
  std::optional<buffer_map> linear_map_;
  std::size_t linear_stride_ = 0;
};

}  // namespace tessera::core

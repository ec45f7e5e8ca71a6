#pragma once
/// frame_access: where the pixels of a raw video frame lie, whatever its layout, so an
/// element can walk a frame by portions (tile_grid::focus) and reach each row piece
/// where it is, without gathering a tiled frame into linear rows first.
///
/// A linear frame is walked with a virtual grid of frame_tile_period tiles (its rows
/// are contiguous across those tiles; the grid only bounds the portions); a tiled frame
/// with its real grid. Read access pins the memories' bytes (a tile in the tile cache
/// is read back if it was swapped out); write access maps them for writing (the
/// buffer must be writable: a freshly allocated output).
///
/// What is held: with frame_hold::whole_frame, every memory from the start until the
/// object dies. With frame_hold::by_rows, nothing until hold_rows(y0, y1), which holds
/// the tiles of those rows and lets go of every other: an element walking a frame
/// larger than the tile cache band by band keeps only its band in RAM, and the rest of
/// the frame can be swapped out meanwhile. pixel() is valid only for held rows.
///
/// Ownership: borrows the buffer, which must outlive the object and not change.
/// One thread at a time.

#include "core/video/video_info.hpp"
#include "core/memory/buffer.hpp"
#include "core/video/tile_geometry.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace tessera::core {

enum class frame_hold { whole_frame, by_rows };

class frame_access {
 public:
  /// Checks `b` against `info` (a tiled frame's memories, a linear frame's size).
  /// `who` starts error messages. Errors also: a swap-in or map that failed.
  static result<frame_access> for_reading(const video_info& info, const buffer& b, const std::string& who,
                                          frame_hold hold = frame_hold::whole_frame);
  static result<frame_access> for_writing(const video_info& info, buffer& b, const std::string& who,
                                          frame_hold hold = frame_hold::whole_frame);

  /// frame_hold::by_rows: holds the tiles holding rows [y0, y1) (clipped to the frame)
  /// and lets go of all others. Errors: a swap-in or map that failed.
  result<void> hold_rows(std::size_t y0, std::size_t y1);

  frame_access(frame_access&&) noexcept = default;
  frame_access& operator=(frame_access&&) noexcept = default;

  const tile_grid& grid() const noexcept { return grid_; }
  bool tiled() const noexcept { return tiled_; }
  std::size_t bytes_per_pixel() const noexcept { return grid_.tag().bytes_per_pixel; }

  /// Pixel (x, y) (inside the frame); the pixels up to the end of its portion's row
  /// follow it in memory.
  std::byte* pixel(std::size_t x, std::size_t y) const noexcept {
    if (tiled_) return bases_[grid_.tile_at(x, y)] + grid_.offset_in_tile(x, y);
    return bases_[0] + y * stride_ + x * grid_.tag().bytes_per_pixel;
  }
  /// Bytes from one row of portion `p` to the next.
  std::size_t row_stride(const portion& p) const noexcept { return tiled_ ? p.stride_bytes : stride_; }

 private:
  frame_access() = default;
  static result<frame_access> make(const video_info& info, const buffer& b, const std::string& who);
  result<void> hold(std::size_t index);
  void let_go(std::size_t index) noexcept;

  tile_grid grid_ = tile_grid::make({}, 1, 1, {1, 0}, {1, 0}).value();
  bool tiled_ = false;
  std::size_t stride_ = 0;         ///< linear frames: bytes per row
  std::vector<std::byte*> bases_;  ///< start of each memory's visible bytes
  const buffer* read_ = nullptr;   ///< read access: the frame
  buffer* write_ = nullptr;        ///< write access: the frame
  std::string who_;
  std::vector<detail::bytes_pin> pins_;  ///< read access: per memory, held or empty
  std::vector<memory_map> maps_;         ///< write access: per memory, held or empty
  std::size_t held_first_ = 0, held_end_ = 0;  ///< by_rows: the memories held now
};

}  // namespace tessera::core

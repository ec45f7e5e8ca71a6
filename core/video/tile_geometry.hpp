#pragma once
/// The geometry of tiled images (GIMP's design, "Image Buffers"): the Tag that fixes
/// the z dimension (pixel format, bytes per pixel) and the period/phase tiling of the
/// x and y dimensions, plus the rectangles ("portions") the image hands out.
///
/// Tiling along one axis: `period` is the tile size in pixels, `phase` the offset into
/// the first tile where the image starts (0 <= phase < period), so the first tile may
/// be partial on the left/top, and the last one on the right/bottom. Partial tiles are
/// always fully allocated: every tile of an image has a memory block of the same size,
/// period_x * period_y * bytes_per_pixel.
///
/// Image pixel x lies in tile column (x + phase) / period, at column (x + phase) %
/// period inside that tile's memory.

#include "core/video/video_info.hpp"
#include "core/support/result.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tessera::core {

/// The z dimension of an image: what one pixel is. Fixed at creation.
struct tile_tag {
  video_format format = video_format::rgba;
  std::size_t bytes_per_pixel = 4;  ///< bytes; 1..64

  /// The tag of a video format (its bytes per pixel).
  static tile_tag of(video_format f) noexcept { return {f, core::bytes_per_pixel(f)}; }
  friend bool operator==(const tile_tag&, const tile_tag&) = default;
};

/// Tiling of one axis, in pixels.
struct axis_tiling {
  std::size_t period = 64;  ///< tile size, > 0
  std::size_t phase = 0;    ///< offset of the image into its first tile, < period

  /// Tiles needed to cover `extent` pixels (0 for an empty extent).
  std::size_t tile_count(std::size_t extent) const noexcept {
    return extent == 0 ? 0 : (extent + phase + period - 1) / period;
  }
  /// The tile holding pixel `x`.
  std::size_t tile_of(std::size_t x) const noexcept { return (x + phase) / period; }
  /// Where pixel `x` lies inside its tile.
  std::size_t offset_in_tile(std::size_t x) const noexcept { return (x + phase) % period; }
  /// The first pixel past tile `index` (image coordinates).
  std::size_t tile_end(std::size_t index) const noexcept { return (index + 1) * period - phase; }
  /// The first image pixel of tile `index` (0 for the first, possibly partial, tile).
  std::size_t tile_begin(std::size_t index) const noexcept {
    return index == 0 ? 0 : index * period - phase;
  }
  friend bool operator==(const axis_tiling&, const axis_tiling&) = default;
};

/// A rectangle of pixels in image coordinates.
struct tile_rect {
  std::size_t x = 0;
  std::size_t y = 0;
  std::size_t width = 0;
  std::size_t height = 0;

  bool empty() const noexcept { return width == 0 || height == 0; }
  std::size_t right() const noexcept { return x + width; }
  std::size_t bottom() const noexcept { return y + height; }
  friend bool operator==(const tile_rect&, const tile_rect&) = default;
};

/// "(x=3, y=4, 10x20)"
std::string to_string(const tile_rect& r);

/// A contiguous part of an image: the largest rectangle at the top-left of a region of
/// interest that lies in one tile (GIMP's GimpPortion). Everything a use needs to find
/// the pixels in the tile's memory.
struct portion {
  tile_rect area;                ///< pixels, image coordinates
  std::size_t tile_column = 0;   ///< tile holding `area`
  std::size_t tile_row = 0;
  std::size_t tile_index = 0;    ///< tile_row * tiles_across + tile_column
  std::size_t offset_bytes = 0;  ///< from the tile's first byte to area's top-left pixel
  std::size_t stride_bytes = 0;  ///< bytes from one row of the tile to the next
  friend bool operator==(const portion&, const portion&) = default;
};

/// Checks a tiling before an image is made of it: period > 0, phase < period, and the
/// tile block size (period_x * period_y * bytes_per_pixel) fits in memory sizes.
/// Returns the tile block size in bytes.
result<std::size_t> check_tiling(const tile_tag& tag, const axis_tiling& x, const axis_tiling& y);

/// The whole tiling of one image: its Tag, its size and both axes. Tiles are numbered
/// row by row: index = tile_row * tiles_across() + tile_column. Every tile's memory is
/// tile_bytes() long, rows of period_x pixels (tile_stride_bytes()), also at the
/// partial edges. A plain value, built only by make() so it is always consistent.
class tile_grid {
 public:
  /// Errors (errc::invalid_argument): those of check_tiling, an empty image, or more
  /// than 2^24 tiles.
  static result<tile_grid> make(const tile_tag& tag, std::size_t width, std::size_t height, const axis_tiling& x,
                                const axis_tiling& y);

  const tile_tag& tag() const noexcept { return tag_; }
  std::size_t width() const noexcept { return width_; }    ///< pixels
  std::size_t height() const noexcept { return height_; }  ///< pixels
  const axis_tiling& x() const noexcept { return x_; }
  const axis_tiling& y() const noexcept { return y_; }
  std::size_t tiles_across() const noexcept { return x_.tile_count(width_); }
  std::size_t tiles_down() const noexcept { return y_.tile_count(height_); }
  std::size_t tile_count() const noexcept { return tiles_across() * tiles_down(); }
  std::size_t tile_bytes() const noexcept { return tile_bytes_; }  ///< bytes of every tile's memory
  /// Bytes from one row of a tile to the next.
  std::size_t tile_stride_bytes() const noexcept { return x_.period * tag_.bytes_per_pixel; }
  /// The whole image as a rectangle.
  tile_rect bounds() const noexcept { return {0, 0, width_, height_}; }

  /// The image pixels tile `index` holds (clipped at the image's edges).
  tile_rect tile_area(std::size_t index) const noexcept;
  /// Where pixel (px, py) lies in its tile's memory, in bytes.
  std::size_t offset_in_tile(std::size_t px, std::size_t py) const noexcept {
    return (y_.offset_in_tile(py) * x_.period + x_.offset_in_tile(px)) * tag_.bytes_per_pixel;
  }
  /// The tile holding pixel (px, py).
  std::size_t tile_at(std::size_t px, std::size_t py) const noexcept {
    return y_.tile_of(py) * tiles_across() + x_.tile_of(px);
  }

  /// GIMP's focus: the largest rectangle at the top-left of `roi` that lies in one
  /// tile, with where it lies in that tile's memory. errc::out_of_range when `roi` is
  /// empty or not inside the image.
  result<portion> focus(const tile_rect& roi) const;

  /// Indices of the tiles `roi` touches (ascending); empty when `roi` is empty or
  /// outside the image (the part inside counts).
  std::vector<std::size_t> tiles_touched(const tile_rect& roi) const;

  friend bool operator==(const tile_grid&, const tile_grid&) = default;

 private:
  tile_grid() = default;

  tile_tag tag_;
  std::size_t width_ = 0;
  std::size_t height_ = 0;
  axis_tiling x_;
  axis_tiling y_;
  std::size_t tile_bytes_ = 0;
};

/// `r` clipped to the image `bounds` (empty when they do not overlap).
tile_rect intersect(const tile_rect& r, const tile_rect& bounds) noexcept;

}  // namespace tessera::core

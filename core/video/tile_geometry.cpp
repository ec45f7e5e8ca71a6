#include "core/video/tile_geometry.hpp"

#include <algorithm>
#include <limits>

namespace tessera::core {

std::string to_string(const tile_rect& r) {
  return "(x=" + std::to_string(r.x) + ", y=" + std::to_string(r.y) + ", " + std::to_string(r.width) +
         "x" + std::to_string(r.height) + ")";
}

result<std::size_t> check_tiling(const tile_tag& tag, const axis_tiling& x, const axis_tiling& y) {
  if (tag.bytes_per_pixel == 0 || tag.bytes_per_pixel > 64) {
    return fail(errc::invalid_argument, "tile tag: bytes_per_pixel=" + std::to_string(tag.bytes_per_pixel) +
                                            " must be between 1 and 64");
  }
  for (const auto* axis : {&x, &y}) {
    const char* name = axis == &x ? "x" : "y";
    if (axis->period == 0) {
      return fail(errc::invalid_argument, std::string("tiling: the ") + name + " period must be at least 1 pixel");
    }
    if (axis->phase >= axis->period) {
      return fail(errc::invalid_argument, std::string("tiling: the ") + name + " phase " +
                                              std::to_string(axis->phase) + " must be less than its period " +
                                              std::to_string(axis->period));
    }
  }
  constexpr std::size_t max_tile_bytes = std::size_t{1} << 30;
  if (x.period > max_tile_bytes / y.period || x.period * y.period > max_tile_bytes / tag.bytes_per_pixel) {
    return fail(errc::invalid_argument, "tiling: a " + std::to_string(x.period) + "x" + std::to_string(y.period) +
                                            " tile of " + std::to_string(tag.bytes_per_pixel) +
                                            "-byte pixels is larger than 1 GiB");
  }
  return x.period * y.period * tag.bytes_per_pixel;
}

}  // namespace tessera::core

namespace tessera::core {

namespace {
constexpr std::size_t max_tiles = std::size_t{1} << 24;
}

tile_rect intersect(const tile_rect& r, const tile_rect& bounds) noexcept {
  const std::size_t x0 = std::max(r.x, bounds.x);
  const std::size_t y0 = std::max(r.y, bounds.y);
  const std::size_t x1 = std::min(r.right(), bounds.right());
  const std::size_t y1 = std::min(r.bottom(), bounds.bottom());
  if (x1 <= x0 || y1 <= y0) return {x0, y0, 0, 0};
  return {x0, y0, x1 - x0, y1 - y0};
}

result<tile_grid> tile_grid::make(const tile_tag& tag, std::size_t width, std::size_t height, const axis_tiling& x,
                                  const axis_tiling& y) {
  auto bytes = check_tiling(tag, x, y);
  if (!bytes) return bytes.error();
  if (width == 0 || height == 0) {
    return fail(errc::invalid_argument, "tiled image: " + std::to_string(width) + "x" + std::to_string(height) +
                                            " is empty; width and height must be at least 1");
  }
  if (width > max_tiles * x.period || height > max_tiles * y.period ||
      x.tile_count(width) * y.tile_count(height) > max_tiles) {
    return fail(errc::invalid_argument, "tiled image: " + std::to_string(width) + "x" + std::to_string(height) +
                                            " needs more than " + std::to_string(max_tiles) + " tiles of " +
                                            std::to_string(x.period) + "x" + std::to_string(y.period));
  }
  tile_grid g;
  g.tag_ = tag;
  g.width_ = width;
  g.height_ = height;
  g.x_ = x;
  g.y_ = y;
  g.tile_bytes_ = *bytes;
  return g;
}

tile_rect tile_grid::tile_area(std::size_t index) const noexcept {
  const std::size_t across = tiles_across();
  const std::size_t column = index % across;
  const std::size_t row = index / across;
  const std::size_t x0 = x_.tile_begin(column);
  const std::size_t y0 = y_.tile_begin(row);
  const std::size_t x1 = std::min(x_.tile_end(column), width_);
  const std::size_t y1 = std::min(y_.tile_end(row), height_);
  return {x0, y0, x1 - x0, y1 - y0};
}

result<portion> tile_grid::focus(const tile_rect& roi) const {
  if (roi.empty() || roi.right() > width_ || roi.bottom() > height_) {
    return fail(errc::out_of_range, "focus: the region " + to_string(roi) + " is " +
                                        (roi.empty() ? std::string("empty") : "not inside the " +
                                                                                  std::to_string(width_) + "x" +
                                                                                  std::to_string(height_) + " image"));
  }
  portion p;
  p.tile_column = x_.tile_of(roi.x);
  p.tile_row = y_.tile_of(roi.y);
  p.tile_index = p.tile_row * tiles_across() + p.tile_column;
  // Clipped where the next tile's memory starts: the rest of the ROI lies elsewhere.
  p.area = {roi.x, roi.y, std::min(roi.right(), x_.tile_end(p.tile_column)) - roi.x,
            std::min(roi.bottom(), y_.tile_end(p.tile_row)) - roi.y};
  p.offset_bytes = offset_in_tile(roi.x, roi.y);
  p.stride_bytes = tile_stride_bytes();
  return p;
}

std::vector<std::size_t> tile_grid::tiles_touched(const tile_rect& roi) const {
  const tile_rect r = intersect(roi, bounds());
  std::vector<std::size_t> out;
  if (r.empty()) return out;
  const std::size_t c0 = x_.tile_of(r.x), c1 = x_.tile_of(r.right() - 1);
  const std::size_t r0 = y_.tile_of(r.y), r1 = y_.tile_of(r.bottom() - 1);
  out.reserve((c1 - c0 + 1) * (r1 - r0 + 1));
  for (std::size_t row = r0; row <= r1; ++row)
    for (std::size_t column = c0; column <= c1; ++column) out.push_back(row * tiles_across() + column);
  return out;
}

}  // namespace tessera::core

#pragma once
/// drawbox: fills a rectangle of raw video with one colour, in place.
///
/// Properties: x, y (top-left, pixels), w, h (size, pixels; the part outside the frame
/// is clipped, a box entirely outside draws nothing), color as 0xRRGGBBAA. The colour's
/// bytes are written as they are, alpha included (no blending): RGBA gets R, G, B, A;
/// RGB gets R, G, B; GRAY8 gets the BT.601 luma of R, G, B.
///
/// Linear frames go through the in-place transform: a frame that is not writable
/// (shared after a tee) is copied whole by the base class, as GStreamer does. Tiled
/// frames (caps layout=tiled, tiles as core/video/tiled_frame.hpp) put the base class
/// in metadata-only mode (set_caps), so transform_ip gets every frame, shared or not,
/// and makes writable only the tiles the box touches: on a shared frame the copy is
/// those tiles' bytes and nothing else; the untouched tiles stay shared. Both layouts
/// pass through base_transform::chain, so `qos=true` skips late frames of either.
///
/// Thread safety: runs in the streaming task; properties may be written from any
/// thread and are read once per frame.

#include "core/base/base_transform.hpp"
#include "core/video/video_info.hpp"
#include "core/video/video_pixels.hpp"
#include "core/video/tile_geometry.hpp"

#include <optional>

namespace tessera::core {

class drawbox final : public base_transform {
 public:
  drawbox(const element_factory& f, std::string name);
  static std::unique_ptr<element_factory> factory();

  /// A colour from a 0xRRGGBBAA word.
  static constexpr rgba_color color_from_rgba(std::uint32_t rgba) noexcept {
    return rgba_color{static_cast<std::uint8_t>(rgba >> 24), static_cast<std::uint8_t>(rgba >> 16),
                      static_cast<std::uint8_t>(rgba >> 8), static_cast<std::uint8_t>(rgba)};
  }

 protected:
  bool has_transform_ip() const override { return true; }
  /// In place on a linear frame; tile by tile, copy-on-write, on a tiled one.
  flow transform_ip(buffer& b) override;
  result<void> set_caps(const caps& in, const caps& out) override;
  std::optional<std::size_t> get_unit_size(const caps& c) override;

 private:
  /// The box of the properties clipped to the frame.
  tile_rect box() const;
  flow draw_tiled(buffer& b);

  std::size_t prop_x_, prop_y_, prop_w_, prop_h_, prop_color_;
  std::optional<video_info> info_;
  std::optional<tile_grid> grid_;  ///< for tiled frames
};

}  // namespace tessera::core

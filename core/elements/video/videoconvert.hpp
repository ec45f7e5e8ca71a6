#pragma once
/// videoconvert: converts raw video between RGBA, RGB, GRAY8, I420 and NV12
/// (GStreamer's videoconvert, reduced to tessera's formats; YUV is BT.601 limited
/// range, yuv_convert.hpp).
///
/// A copy-transform: each frame is converted into a buffer from downstream's
/// allocation (pad-alloc), the conversions are those of pixel_convert.hpp. When both
/// sides agree on the same format the element is passthrough and copies nothing.
/// Layouts: tiled frames (layout=tiled, tiled_frame.hpp) are converted tile by tile
/// into tiled frames, and the element also converts between the linear and tiled
/// layouts (frame_convert.hpp): a tiled output's tiles are allocated here, since
/// pad-alloc hands out one memory, not one per tile.
///
/// Negotiation: a format on one side becomes the list of all five on the other, and
/// a layout the list of both, the same one first (width, height and framerate
/// kept); fixation keeps the input format and layout when
/// downstream allows it, else the format that loses least (RGB -> RGBA before I420
/// before GRAY8; RGBA -> RGB; GRAY8 -> RGB before RGBA; I420 -> NV12 before RGB; see
/// conversion_cost), I420 and NV12 always linear, with width, height and
/// framerate kept. `qos=true` skips frames downstream reports late.
///
/// Thread safety: runs in the streaming task; configured by set_caps there.

#include "core/base/base_transform.hpp"
#include "core/video/video_info.hpp"
#include "core/video/tile_geometry.hpp"

#include <optional>

namespace tessera::core {

class videoconvert final : public base_transform {
 public:
  videoconvert(const element_factory& f, std::string name);
  static std::unique_ptr<element_factory> factory();

 protected:
  caps transform_caps(pad_direction dir, const caps& c) override;
  result<caps> fixate_caps(pad_direction dir, const caps& c, const caps& othercaps) override;
  result<void> set_caps(const caps& in, const caps& out) override;
  std::optional<std::size_t> transform_size(pad_direction dir, const caps& c, std::size_t size,
                                            const caps& othercaps) override;
  bool has_transform() const override { return true; }
  flow transform(const buffer& in, buffer& out) override;
  /// Only in metadata-only mode (tiled output, see set_caps): replaces the input by
  /// its conversion.
  bool has_transform_ip() const override { return true; }
  flow transform_ip(buffer& b) override;

 private:
  std::optional<video_info> in_info_;
  std::optional<video_info> out_info_;
  std::optional<tile_grid> out_grid_;  ///< tiled output: its tiling
};

}  // namespace tessera::core

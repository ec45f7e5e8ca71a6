#pragma once
/// boxblur: blurs raw video with a (2 radius + 1)^2 box: each output channel value is
/// the rounded mean of the window around the pixel, edges repeating the border
/// pixels (so every window has the same count), alpha blurred like the colours.
///
/// A copy transform (the blur reads neighbours it also changes). The output is walked
/// by portions (tile_grid::focus): for each portion the input window it needs (the
/// portion grown by the radius, clamped to the frame) is read row piece by row piece
/// where it lies, then summed with running sums, rows first then columns. That way a
/// tiled frame (caps layout=tiled) is blurred into a tiled frame without gathering it,
/// and a linear one in 64x64 blocks, with a scratch window of (64 + 2 radius)^2 pixels.
/// A linear output is pad-allocated by the base class (transform); a tiled output is
/// one memory per tile, which pad-alloc cannot hand out, so set_caps puts the base
/// class in metadata-only mode and transform_ip replaces the input by its blur into a
/// tiled frame from allocate_tiled_frame (the tile cache), as videoconvert does. Both
/// layouts pass through base_transform::chain: `qos=true` skips late frames of either.
///
/// Thread safety: runs in the streaming task; `radius` may be set from any thread and
/// is read once per frame.

#include "core/base/base_transform.hpp"
#include "core/video/video_info.hpp"
#include "core/video/tile_geometry.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace tessera::core {

class frame_access;

class boxblur final : public base_transform {
 public:
  boxblur(const element_factory& f, std::string name);
  static std::unique_ptr<element_factory> factory();

 protected:
  bool has_transform() const override { return true; }
  flow transform(const buffer& in, buffer& out) override;
  /// Only in metadata-only mode (tiled frames, see set_caps): replaces the input by
  /// its blur.
  bool has_transform_ip() const override { return true; }
  flow transform_ip(buffer& b) override;
  result<void> set_caps(const caps& in, const caps& out) override;
  std::optional<std::size_t> get_unit_size(const caps& c) override;

 private:
  flow blur(const buffer& in, buffer& out);
  void blur_portion(const frame_access& src, const frame_access& dst, const struct portion& p, std::size_t radius);

  std::size_t prop_radius_;
  std::optional<video_info> info_;
  std::optional<tile_grid> out_grid_;  ///< tiled frames: the output's tiling
  std::vector<std::uint8_t> window_;    ///< the input window of one portion
  std::vector<std::uint32_t> row_sums_; ///< horizontal sums over the window's rows
};

}  // namespace tessera::core

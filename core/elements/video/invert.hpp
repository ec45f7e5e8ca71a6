#pragma once
/// invert: inverts the colour of raw video in place (each colour byte v becomes
/// 255 - v; RGBA keeps its alpha), for RGBA, RGB and GRAY8.
///
/// An in-place transform (the transform design's SCI case): a writable input is
/// changed where it lies; a non-writable one (shared after a tee) gets an output
/// buffer by pad-alloc from downstream, the frame is copied in (counted) and inverted
/// there, and the original stays untouched. Never passthrough: every frame changes.
/// The caps are the same on both pads. Tiled frames (layout=tiled) are inverted tile
/// by tile, each tile made writable on its own (a copy only if shared): set_caps puts
/// the base class in metadata-only mode for them, so transform_ip gets every tiled
/// frame, shared or not, and no whole-frame copy is made. Both layouts pass through
/// base_transform::chain: `qos=true` skips frames downstream reports late, either layout.
///
/// Thread safety: runs in the streaming task; the format is set by set_caps there.

#include "core/base/base_transform.hpp"
#include "core/video/video_info.hpp"
#include "core/video/tile_geometry.hpp"

#include <optional>

namespace tessera::core {

class invert final : public base_transform {
 public:
  invert(const element_factory& f, std::string name);
  static std::unique_ptr<element_factory> factory();

  /// Inverts `bytes` bytes of `format` pixels at `data` (the whole packed frame).
  static void invert_pixels(std::uint8_t* data, std::size_t bytes, video_format format) noexcept;

 protected:
  bool has_transform_ip() const override { return true; }
  /// In place on a linear frame; tile by tile, copy-on-write, on a tiled one.
  flow transform_ip(buffer& b) override;
  result<void> set_caps(const caps& in, const caps& out) override;
  std::optional<std::size_t> get_unit_size(const caps& c) override;

 private:
  flow invert_tiled(buffer& b);

  std::optional<video_info> info_;
  std::optional<tile_grid> tile_grid_;  ///< set when the caps say layout=tiled
};

}  // namespace tessera::core

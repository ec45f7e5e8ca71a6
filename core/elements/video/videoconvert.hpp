#pragma once
/// videoconvert: converts raw video between RGBA, RGB and GRAY8 (GStreamer's
/// videoconvert, reduced to tessera's formats).
///
/// A copy-transform: each frame is converted into a buffer from downstream's
/// allocation (pad-alloc), the conversions are those of pixel_convert.hpp. When both
/// sides agree on the same format the element is passthrough and copies nothing.
/// Negotiation: a format on one side becomes the list of all three on the other
/// (width, height, framerate and layout kept); fixation keeps the input format when
/// downstream allows it, else the format that loses least (RGB -> RGBA before GRAY8;
/// RGBA -> RGB before GRAY8; GRAY8 -> RGB before RGBA), with width, height and
/// framerate kept. `qos=true` skips frames downstream reports late.
///
/// Thread safety: runs in the streaming task; configured by set_caps there.

#include "core/base/base_transform.hpp"
#include "core/caps/video_info.hpp"

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

 private:
  std::optional<video_info> in_info_;
  std::optional<video_info> out_info_;
};

}  // namespace tessera::core

#pragma once
/// videoscale: resizes raw video (GStreamer's videoscale) with nearest-neighbour or
/// bilinear sampling (`method`, scale_kernels.hpp), for RGBA, RGB and GRAY8.
///
/// Negotiation: the format, framerate and layout go through unchanged, width and
/// height are opened to any size on the other side (transform_caps), and so is the
/// pixel-aspect-ratio when the caps carry one; a row stride (a cropped input) is
/// never imposed on the output. When downstream takes the input caps as they are the
/// element is passthrough and touches nothing (base_transform offers upstream the
/// untransformed downstream caps first, so a source before videoscale adopts the size
/// asked for behind it and nothing is scaled); otherwise it is a copy-transform into
/// a buffer from downstream (pad-alloc).
/// Fixation (fixate_caps) keeps the display aspect ratio (width x pixel-aspect-ratio
/// / height; a missing pixel-aspect-ratio is 1/1). When downstream fixes the width
/// and height, the output pixel-aspect-ratio is the one that keeps the display
/// aspect, as in GStreamer (320x240 to 640x360 gives 3/4). Otherwise the output
/// pixels keep downstream's fixed pixel-aspect-ratio or else the input's, and the
/// size follows: when downstream fixes only the width, the height follows from it
/// (and the other way round); when it fixes neither, the input height is kept if a
/// width of the same display aspect is allowed, else the input width, else the
/// nearest allowed sizes. Where GStreamer would rather keep the input height and
/// stretch the pixels (320x240 to width=640 gives 640x240 with 1/2 pixels), tessera
/// keeps the pixels and changes the size (640x480), since browsers, which websink
/// feeds, show every pixel square. The output frame is checked against the
/// pipeline's frame-size limit (max_frame_pixels).
///
/// The design's use cases: in passthrough, buffer-alloc from upstream is proxied to
/// downstream, so a resized sink makes the source renegotiate; when upstream never
/// allocates from downstream, base_transform probes downstream before each buffer,
/// and a resized sink makes videoscale leave passthrough and scale.
///
/// Thread safety: runs in the streaming task; `method` may change at any time and
/// applies from the next frame.

#include "core/base/base_transform.hpp"
#include "core/video/video_info.hpp"
#include "core/elements/video/scale_kernels.hpp"

#include <optional>

namespace tessera::core {

class videoscale final : public base_transform {
 public:
  videoscale(const element_factory& f, std::string name);
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
  result<void> check_frame_size(const video_info& out) const;

  std::size_t prop_method_;
  std::optional<video_info> in_info_;
  std::optional<video_info> out_info_;
  std::optional<frame_scaler> scaler_;  ///< for the configured sizes and the last method used
};

}  // namespace tessera::core

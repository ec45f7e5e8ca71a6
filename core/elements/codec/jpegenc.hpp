#pragma once
/// jpegenc: compresses raw video frames to JPEG with TurboJPEG (GStreamer's jpegenc).
///
/// video/x-raw (RGBA, RGB, GRAY8) in, image/jpeg out with the same width, height and
/// framerate. A copy-transform (the transform design's DCC case): each frame is
/// compressed straight into a buffer from downstream's allocation, sized for the
/// worst case (TurboJPEG's bound) and trimmed to the JPEG afterwards, so the
/// compressed bytes are never copied. `quality` (1-100) may change while PLAYING and
/// applies from the next frame. Colour is subsampled 4:2:0, GRAY8 gives a grey JPEG.
///
/// Thread safety: runs in the streaming task; the format is set by set_caps there,
/// quality is read per frame.

#include "core/base/base_transform.hpp"
#include "core/caps/video_info.hpp"
#include "core/elements/codec/jpeg_encoder.hpp"

#include <optional>

namespace tessera::core {

class jpegenc final : public base_transform {
 public:
  jpegenc(const element_factory& f, std::string name);
  static std::unique_ptr<element_factory> factory();

 protected:
  caps transform_caps(pad_direction dir, const caps& c) override;
  result<void> set_caps(const caps& in, const caps& out) override;
  std::optional<std::size_t> transform_size(pad_direction dir, const caps& c, std::size_t size,
                                            const caps& othercaps) override;
  bool has_transform() const override { return true; }
  flow transform(const buffer& in, buffer& out) override;

 private:
  std::size_t prop_quality_;
  std::optional<video_info> info_;
  jpeg_encoder encoder_;
};

}  // namespace tessera::core

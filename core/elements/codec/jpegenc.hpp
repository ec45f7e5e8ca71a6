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
/// The raw frames upstream asks us for (buffer-alloc, which a copy-transform answers
/// itself) come from a pool of frame-size blocks, recreated when the frame size
/// changes and kept while the element lives (a state change could race upstream's
/// streaming task, which may still be asking for a frame). A fresh 1080p RGB frame is
/// 6 MB that glibc maps and unmaps per frame: ~1,500 page faults each as upstream
/// fills it (GStreamer's videotestsrc fills frames from its own buffer pool likewise).
///
/// Thread safety: runs in the streaming task; the format is set by set_caps there,
/// quality is read per frame.

#include "core/base/base_transform.hpp"
#include "core/video/video_info.hpp"
#include "core/elements/codec/jpeg_encoder.hpp"
#include "core/memory/pool_allocator.hpp"

#include <memory>
#include <optional>

namespace tessera::core {

class jpegenc final : public base_transform {
 public:
  jpegenc(const element_factory& f, std::string name);
  static std::unique_ptr<element_factory> factory();

  /// The pool of raw frames handed upstream (null before the first one); its stats
  /// tell how many frames were recycled. Read it while no frame is being asked for.
  const pool_allocator* frame_pool() const noexcept { return frame_pool_.get(); }

 protected:
  caps transform_caps(pad_direction dir, const caps& c) override;
  result<void> set_caps(const caps& in, const caps& out) override;
  std::optional<std::size_t> transform_size(pad_direction dir, const caps& c, std::size_t size,
                                            const caps& othercaps) override;
  bool has_transform() const override { return true; }
  flow transform(const buffer& in, buffer& out) override;
  result<buffer> allocate_for_upstream(std::size_t size, const caps& c, bool negotiated_input) override;

 private:
  std::size_t prop_quality_;
  std::optional<video_info> info_;
  jpeg_encoder encoder_;
  std::unique_ptr<pool_allocator> frame_pool_;  ///< upstream's streaming task only (buffer-alloc)
};

}  // namespace tessera::core

#pragma once
/// jpegdec: decompresses JPEG frames to raw video with TurboJPEG (GStreamer's jpegdec).
///
/// image/jpeg in (any size: the caps need not say it), video/x-raw out in RGBA, RGB
/// or GRAY8, as downstream prefers (a grey JPEG prefers GRAY8, a colour one RGBA,
/// then RGB). The size comes from each frame's own header, read before anything is
/// allocated: a frame past the pipeline's frame-pixel limit is refused with an error.
/// When a frame's size or colour kind differs from the last one the output is
/// renegotiated (a caps event before the frame). Output buffers come from downstream
/// by pad-alloc; timestamps and offsets are copied from the input, the framerate from
/// the input caps (0/1 when absent).
///
/// Corrupt data (a bad header, a truncated or damaged scan) is an error on the bus
/// naming this element and the problem; the stream stops, the process does not.
///
/// Thread safety: chain and event run in the upstream streaming task; state changes
/// reset the negotiated output while no data flows.

#include "core/video/video_info.hpp"
#include "core/elements/codec/jpeg_decoder.hpp"
#include "core/graph/element.hpp"

#include <atomic>
#include <optional>

namespace tessera::core {

class jpegdec final : public element {
 public:
  jpegdec(const element_factory& f, std::string name);
  static std::unique_ptr<element_factory> factory();

  flow chain(pad& sinkpad, buffer&& b) override;
  bool event(pad& p, core::event ev) override;

 protected:
  state_change change_state(state from, state to) override;

 private:
  result<void> check_frame_size(int width, int height) const;
  result<void> negotiate(const jpeg_header& h);
  result<buffer> output_buffer();

  pad* sinkpad_;
  pad* srcpad_;
  jpeg_decoder decoder_;
  fraction framerate_;                 ///< from the input caps; 0/1 when unknown
  std::optional<jpeg_header> header_;  ///< of the last negotiated frame
  std::optional<video_info> out_info_;
  caps out_caps_;
  std::atomic<bool> renegotiate_{false};  ///< reconfigure from downstream, new input caps
};

}  // namespace tessera::core

#pragma once
/// websink: the sink that streams to browsers (docs/elements.md and docs/api.md).
///
/// It takes raw video (video/x-raw RGBA/RGB/GRAY8, encoded to JPEG here, once per
/// frame whatever the number of viewers) or JPEG as is (image/jpeg), and hands each
/// frame to its subscribers as one shared block. The network side (WebSocket, MJPEG)
/// subscribes through `subscribe()`; this element knows nothing of sockets.
///
/// Resizing: `width`/`height` (0 = as negotiated) may change while PLAYING. A new
/// size goes upstream through buffer-alloc: when an upstream element asks websink
/// for a buffer (testsrc with peer-alloc, or a transform proxying it), websink
/// answers with caps of the new size, and upstream renegotiates (the transform
/// design's use cases). When nobody upstream asks, frames keep their negotiated
/// size: websink does not scale.
///
/// The last frame is kept and given to a new subscriber at once (a paused pipeline
/// still shows its preroll frame; a seek in PAUSED shows the new one).
///
/// Encoded video (video/x-h264 stream-format=avc, video/x-vp8, video/x-vp9, from
/// avenc) is passed on as it is, encoded once for every viewer (frame_subscriber.hpp):
/// WebSocket viewers get one message per frame (encoded_stream.hpp), MSE viewers the
/// media segments of one fMP4 (H.264) or WebM (VP8/VP9) muxer websink runs from the
/// first key frame after the first such viewer came. A viewer starts at a key frame:
/// while one waits for it, websink sends a force-key-unit event upstream at most
/// every `key_request_interval` (the encoder then makes the next frame a key frame).
///
/// Thread safety: subscribe/unsubscribe/last_frame from any thread; frames are
/// delivered on the streaming thread, so subscribers must not block.

#include "core/base/base_sink.hpp"
#include "core/elements/web/frame_subscriber.hpp"
#include "core/elements/av/avmux_writer.hpp"
#include "core/elements/codec/jpeg_encoder.hpp"

#include <chrono>

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace tessera::core {

class websink final : public base_sink {
 public:
  websink(const element_factory& f, std::string name);
  static std::unique_ptr<element_factory> factory();

  /// Adds a viewer; fails past max-subscribers. Returns an id for unsubscribe.
  result<std::uint64_t> subscribe(std::shared_ptr<frame_subscriber> s);
  void unsubscribe(std::uint64_t id);
  std::size_t subscriber_count() const;
  std::optional<encoded_frame> last_frame() const;
  /// The configuration of the encoded input; empty for raw and JPEG input.
  std::shared_ptr<const encoded_video_config> video_config() const;
  /// force-key-unit events sent upstream for viewers waiting for a key frame.
  std::uint64_t key_units_requested() const noexcept { return key_requests_.load(std::memory_order_relaxed); }
  static constexpr std::chrono::milliseconds key_request_interval{500};
  std::uint64_t frames_encoded() const noexcept { return encoded_.load(std::memory_order_relaxed); }
  /// buffer_alloc calls answered (upstream asking for buffers, or probing).
  std::uint64_t buffer_allocs() const noexcept { return allocs_.load(std::memory_order_relaxed); }

  result<allocation> buffer_alloc(pad& sinkpad, std::size_t size, const caps& c) override;
  bool may_change_caps_on_alloc(const pad&) const override { return true; }

 protected:
  flow render(buffer& b) override;
  flow preroll(buffer& b) override;
  void on_caps(const caps& c) override;
  void on_eos() override;

 private:
  flow deliver(buffer& b, bool always_encode);
  flow deliver_encoded(buffer& b, std::vector<std::shared_ptr<frame_subscriber>>& subs);
  void request_key_frame_if_wanted(const std::vector<std::shared_ptr<frame_subscriber>>& subs);
  /// MSE: the frame as one media segment of the shared muxer, or nullopt.
  std::optional<encoded_frame> mse_segment(const buffer& b, bool key);
  std::optional<caps> resized(const caps& c) const;

  std::size_t prop_width_, prop_height_, prop_quality_, prop_max_subscribers_;
  jpeg_encoder encoder_;
  mutable std::mutex mutex_;  // subscribers_, last_, info_
  std::vector<std::pair<std::uint64_t, std::shared_ptr<frame_subscriber>>> subscribers_;
  std::uint64_t next_id_ = 1;
  std::optional<encoded_frame> last_;
  std::optional<video_info> info_;  // raw input; empty for image/jpeg
  bool jpeg_input_ = false;
  caps encoded_caps_;                                   // encoded input: its caps
  std::shared_ptr<const encoded_video_config> config_;  // encoded input: its configuration
  // MSE muxer (streaming thread only): started at a key frame once an MSE viewer exists.
  avmux_writer mse_mux_;
  std::vector<std::uint8_t> mse_bytes_;  // what the muxer wrote for the current frame
  std::shared_ptr<const std::vector<std::uint8_t>> mse_init_;
  std::chrono::steady_clock::time_point last_key_request_{};
  std::atomic<std::uint64_t> key_requests_{0};
  std::uint64_t sequence_ = 0;
  std::atomic<std::uint64_t> encoded_{0};
  std::atomic<std::uint64_t> allocs_{0};
};

}  // namespace tessera::core

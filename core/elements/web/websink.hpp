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
/// Viewer variants (view_request.hpp): a viewer of raw input may ask for its own JPEG
/// quality and a smaller frame size. Each distinct request is one variant, made once
/// per frame for all its viewers (scaled down with an area filter, then encoded);
/// requests that come to the same quality and size share one encoding, the default
/// included. At most `max-variants` distinct requests at once (besides the default);
/// one past that is refused (errc::bad_state, naming the limit and the variants there
/// are); a variant goes when its last viewer leaves. A sink whose input is JPEG or
/// encoded video cannot re-encode: a request is refused (errc::invalid_argument);
/// a viewer admitted with one before the input was known gets the frames as they are.
///
/// The last frame is kept and given to a new subscriber at once (a paused pipeline
/// still shows its preroll frame; a seek in PAUSED shows the new one). A new
/// variant's first frame, until the pipeline makes one, is the default's last frame
/// decoded, scaled and encoded again by the subscribing thread.
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
#include "core/elements/web/view_request.hpp"
#include "core/elements/video/scale_kernels.hpp"
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

  /// Adds a viewer of variant `r` (the default: the frames as today); fails past
  /// max-subscribers (limit_exceeded), for a request this sink cannot serve
  /// (invalid_argument) or past max-variants (bad_state). Returns an id for unsubscribe.
  result<std::uint64_t> subscribe(std::shared_ptr<frame_subscriber> s, view_request r = {});
  void unsubscribe(std::uint64_t id);
  std::size_t subscriber_count() const;
  /// The newest frame of the default (what a new viewer is shown first).
  std::optional<encoded_frame> last_frame() const;
  /// The newest frame of subscriber `id`'s variant.
  std::optional<encoded_frame> last_frame(std::uint64_t id) const;
  /// The configuration of the encoded input; empty for raw and JPEG input.
  std::shared_ptr<const encoded_video_config> video_config() const;
  /// force-key-unit events sent upstream for viewers waiting for a key frame.
  std::uint64_t key_units_requested() const noexcept { return key_requests_.load(std::memory_order_relaxed); }
  static constexpr std::chrono::milliseconds key_request_interval{500};
  /// JPEG encodings of raw frames, of every variant.
  std::uint64_t frames_encoded() const noexcept { return encoded_.load(std::memory_order_relaxed); }

  /// One variant as the stats show it: the request, its viewers, the frames made for
  /// it and their size (0x0 before the first).
  struct variant_stats {
    view_request request;
    std::size_t viewers = 0;
    std::uint64_t frames = 0;
    int width = 0;
    int height = 0;
  };
  /// The default first (when it has viewers), then the variants in order of creation.
  std::vector<variant_stats> variants() const;
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
  result<void> check_request_locked(const view_request& r) const;
  /// Raw input: `quality`, `width`x`height` JPEG of the mapped frame, made once per
  /// frame for every variant asking for it (`made` holds this frame's encodings).
  struct made_jpeg {
    int quality, width, height;
    encoded_frame frame;
  };
  result<encoded_frame> jpeg_of(const std::byte* pixels, const video_info& info, int quality, int width, int height,
                                std::vector<made_jpeg>& made);

  struct subscriber_entry {
    std::uint64_t id;
    std::shared_ptr<frame_subscriber> sub;
    view_request request;
  };
  struct variant {
    view_request request;
    std::size_t viewers = 0;
    std::optional<encoded_frame> last;  // its newest frame
    std::uint64_t frames = 0;
  };
  /// One scaler per size pair in use (streaming thread only), with its output frame.
  struct scaler_slot {
    int in_w, in_h, out_w, out_h;
    std::size_t bpp;
    frame_scaler scaler;
    std::vector<std::uint8_t> pixels;
    bool used = true;
  };

  std::size_t prop_width_, prop_height_, prop_quality_, prop_max_subscribers_, prop_max_variants_;
  jpeg_encoder encoder_;
  mutable std::mutex mutex_;  // subscribers_, variants_, last_, info_
  std::vector<subscriber_entry> subscribers_;
  std::vector<variant> variants_;  // not the default
  std::uint64_t default_frames_ = 0;
  std::vector<std::unique_ptr<scaler_slot>> scalers_;
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

#pragma once
/// Frames to browsers (docs/api.md): the viewers of a pipeline's websink.
///
///   GET /api/v1/pipelines/{p}/sinks/{e}/mjpeg   multipart/x-mixed-replace, one JPEG
///                                               part per frame (plays in an <img>)
///   WebSocket /api/v1/pipelines/{p}/sinks/{e}/ws  one binary message per JPEG frame;
///                                               encoded video: a text message with the
///                                               decoder configuration, then one binary
///                                               message per frame from a key frame on
///   GET /api/v1/pipelines/{p}/sinks/{e}/fmp4    encoded video for Media Source
///                                               Extensions: fragmented MP4 (H.264) or
///                                               WebM (VP8/VP9), from a key frame on
///
/// Each viewer is a frame_forwarder subscribed to the websink: the websink calls it on
/// its streaming thread with the encoded frame, and it try_sends the frame's bytes
/// (shared, never copied) into the viewer's bounded drop-oldest queue. A slow viewer
/// loses old frames; the pipeline and the other viewers never wait for it. Encoded
/// frames depend on the ones before: a viewer whose queue is full skips frames up to
/// the next key frame instead (asking websink for one), so its picture is never
/// built on a missing frame.
///
/// Admission: the websink's slot is taken (subscribe) before the response begins, so
/// max-subscribers is answered with a clean 503 instead of a stream that ends at once;
/// the sink's last frame is then sent first, so a paused pipeline shows its preroll
/// frame. Unknown pipeline or element: 404; an element that is not a websink: 400.
/// A viewer may ask for its own JPEG quality and a smaller size (`?quality=60&height=480`,
/// view_request.hpp): a malformed value or one the sink cannot serve is a 400, a
/// new variant past the sink's max-variants a 409.
/// The viewer leaves the websink when the client goes, and the stream ends when the
/// pipeline is deleted.

#include "core/elements/web/frame_subscriber.hpp"
#include "net/outbound_client.hpp"
#include "net/router.hpp"
#include "server/pipeline_service.hpp"
#include "server/stream_metrics.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

namespace tessera::server {

/// One viewer of one websink. Created unattached (frames are ignored) so that the
/// websink's slot can be reserved before the client's handshake; attach() then starts
/// the flow. Thread safety: on_frame on the streaming thread, the rest from any thread.
class frame_forwarder final : public core::frame_subscriber {
 public:
  /// `metrics` is borrowed (the server's; it outlives every viewer).
  /// `jpeg_timestamps`: before each JPEG frame, a text message with its pts
  /// (`.../ws?timestamps=1`, docs/api.md); encoded frames carry theirs already.
  explicit frame_forwarder(stream_metrics& metrics, core::stream_kind kind = core::stream_kind::frames,
                           bool jpeg_timestamps = false)
      : metrics_(metrics), kind_(kind), jpeg_timestamps_(jpeg_timestamps) {}

  /// Sends to `client` from now on, starting with `first` (the sink's last frame) if
  /// given; a frame not newer than one already sent is skipped, so a frame delivered
  /// while attaching is neither sent twice nor out of order.
  void attach(std::shared_ptr<net::outbound_client> client, std::optional<core::encoded_frame> first);
  /// Closes the client (its queued frames are still written) and stops sending.
  void close_client();

  void on_frame(const core::encoded_frame& frame) override;
  core::stream_kind kind() const override { return kind_; }
  bool wants_key_frame() const override;

  std::uint64_t frames_queued() const;
  std::uint64_t frames_dropped() const;

 private:
  void send_locked(const core::encoded_frame& frame);
  void send_encoded_locked(const core::encoded_frame& frame);
  void count_locked(net::send_result r);

  stream_metrics& metrics_;
  const core::stream_kind kind_;
  const bool jpeg_timestamps_;
  mutable std::mutex mutex_;  // everything below
  std::shared_ptr<net::outbound_client> client_;
  std::uint64_t last_sequence_ = 0;  // of the newest frame sent (0: none)
  std::uint64_t queued_ = 0;
  std::uint64_t dropped_ = 0;  // old frames the client's queue dropped to take new ones
  // Encoded video: waiting for a key frame (joined, or skipped frames), and the
  // configuration or initialisation segment this client was sent last.
  bool waiting_key_ = true;
  std::shared_ptr<const core::encoded_video_config> sent_config_;
  std::shared_ptr<const std::vector<std::uint8_t>> sent_init_;
};

/// The text message that starts an encoded WebSocket stream (WebCodecs'
/// VideoDecoderConfig): {"codec":..,"width":..,"height":..[,"description":base64]}.
std::string decoder_config_json(const core::encoded_video_config& c);

/// Adds the MJPEG, WebSocket and fMP4/WebM frame routes. `service` and `metrics` are borrowed:
/// they must outlive the server.
result<void> add_frame_routes(net::router& router, pipeline_service& service, stream_metrics& metrics);

}  // namespace tessera::server

#pragma once
/// What websink hands to its viewers: one frame, shared (never copied) between all
/// of them. Subscribers are called on the streaming thread and must not block: the
/// server's subscriber does a try_send into the client's bounded queue.
///
/// Raw or JPEG input: each frame is one JPEG. Encoded input (H.264, VP8, VP9) gives
/// two streams, each made once for every viewer of its kind (docs/api.md):
///  - `frames`: each frame is a ready WebSocket message (encoded_message.hpp: flags,
///    pts, access unit), with the stream's decoder configuration beside it;
///  - `mse`: each frame is one media segment (an fMP4 moof+mdat or a WebM Cluster)
///    of the muxer websink runs while such viewers exist, with that muxer's
///    initialisation segment beside it.
/// A viewer of encoded video can only start, or go on after a gap, at a key frame:
/// `key` says which frames are; a subscriber that `wants_key_frame()` makes websink
/// ask upstream for one (a force-key-unit event, at most twice a second).

#include "core/graph/clock_time.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tessera::core {

/// The decoder configuration of an encoded stream (WebCodecs' VideoDecoderConfig).
struct encoded_video_config {
  std::string media_type;                ///< video/x-h264, video/x-vp8, video/x-vp9
  std::string codec;                     ///< RFC 6381 / WebCodecs: avc1.64001f, vp8, vp09.00.10.08
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> description;  ///< H.264: the avcC record; empty otherwise
  std::string mse_mime;                  ///< video/mp4; codecs="avc1.64001f", video/webm; codecs="vp8"
};

struct encoded_frame {
  std::shared_ptr<const std::byte[]> data;  ///< JPEG bytes, a WebSocket message or a media segment
  std::size_t size = 0;
  int width = 0;
  int height = 0;
  clock_time pts = time_none;
  std::uint64_t sequence = 0;  ///< counts frames handed out by this sink
  bool key = true;             ///< a viewer can start here (JPEG: always)
  /// Encoded input only: the stream's configuration (frames) or the muxer's
  /// initialisation segment (mse); a new pointer means a new stream.
  std::shared_ptr<const encoded_video_config> config;
  std::shared_ptr<const std::vector<std::uint8_t>> init_segment;
};

enum class stream_kind { frames, mse };

class frame_subscriber {
 public:
  virtual ~frame_subscriber() = default;
  virtual void on_frame(const encoded_frame& frame) = 0;
  virtual void on_eos() {}
  /// Which stream of an encoded input this viewer takes (raw/JPEG input: frames).
  virtual stream_kind kind() const { return stream_kind::frames; }
  /// The viewer waits for a key frame (it joined, or skipped frames it was too slow for).
  virtual bool wants_key_frame() const { return false; }
};

}  // namespace tessera::core

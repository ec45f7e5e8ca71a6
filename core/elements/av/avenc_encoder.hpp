#pragma once
/// One libavcodec video encoder, opened for one input format (avenc's engine).
///
/// Frames go in as tessera buffers without a copy: each frame's planes are handed to
/// libavcodec as a read-only AVBufferRef that keeps a share of the buffer alive for
/// as long as the encoder holds the frame (lookahead), the FFmpeg ownership seed
/// turned around. MJPEG, whose standard range is full (JPEG) while tessera's I420 is
/// limited (BT.601), gets its range converted by swscale first.
/// Packets come out with pts/dts in nanoseconds and their key-frame flag.
///
/// Thread safety: one thread at a time (the streaming task).

#include "core/video/video_info.hpp"
#include "core/memory/buffer.hpp"
#include "core/support/result.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct AVCodecContext;
struct AVPacket;
struct AVFrame;
struct SwsContext;

namespace tessera::core {

enum class av_video_codec : std::uint8_t { h264, vp8, vp9, mjpeg };

/// What an encoder is opened with.
struct avenc_settings {
  av_video_codec codec = av_video_codec::h264;
  int bitrate_kbps = 2048;
  int key_int_max = 0;        ///< frames between key frames; 0: the codec's default
  std::string speed = "veryfast";  ///< x264 preset name; mapped to libvpx cpu-used
  bool zerolatency = false;   ///< no frame delay: no B-frames, no lookahead
  bool global_header = false; ///< H.264 headers out of band (extradata), not in key frames
};

/// One compressed frame.
struct av_packet_out {
  std::vector<std::uint8_t> data;
  std::int64_t pts = -1;  ///< ns, -1 when unknown
  std::int64_t dts = -1;
  std::int64_t duration = -1;
  bool key = false;
};

class avenc_encoder {
 public:
  avenc_encoder() = default;
  ~avenc_encoder();
  avenc_encoder(const avenc_encoder&) = delete;
  avenc_encoder& operator=(const avenc_encoder&) = delete;

  /// Opens the codec for frames `info` (I420, or NV12 for H.264). Errors name the
  /// codec and FFmpeg's reason.
  result<void> open(const avenc_settings& s, const video_info& info);
  void close();
  bool is_open() const noexcept { return ctx_ != nullptr; }
  /// The codec's global header (H.264 with global_header: Annex B SPS and PPS).
  std::vector<std::uint8_t> extradata() const;

  /// Encodes frame `b` (pts in ns; a key frame if `force_key`) and appends what the
  /// codec gives back to `out`.
  result<void> encode(const buffer& b, bool force_key, std::vector<av_packet_out>& out);
  /// End of stream: everything the codec still holds.
  result<void> drain(std::vector<av_packet_out>& out);

 private:
  result<void> receive(std::vector<av_packet_out>& out);

  AVCodecContext* ctx_ = nullptr;
  AVPacket* pkt_ = nullptr;
  AVFrame* range_frame_ = nullptr;  ///< MJPEG: the full-range copy
  SwsContext* sws_ = nullptr;
  video_info info_ = video_info::make(video_format::i420, 2, 2).value();
  std::int64_t frame_ns_ = 0;      ///< one frame period, 0 when the rate is unknown
  std::int64_t next_index_ = 0;    ///< for frames without pts
  std::string codec_name_;
};

std::string_view to_string(av_video_codec c) noexcept;

}  // namespace tessera::core

#pragma once
/// One libavformat muxer writing one encoded video stream through a byte callback
/// (a custom AVIOContext): avmux pushes the bytes downstream, websink hands them to
/// its MSE viewers. Knows nothing of pads.
///
/// Output modes:
///  - `seekable`: libavformat may go back (mp4's mdat size and moov, matroska's
///    duration and cues); each write says at which byte of the output it goes;
///  - not seekable: bytes only go forward (mpegts, fragmented mp4, live WebM);
///  - `chunked` (for MSE): after the header and after every frame the muxer is
///    flushed, so init() is the initialisation segment (ftyp+moov, or the WebM
///    EBML header, Info and Tracks) and each write_frame() gives one self-contained
///    media segment of one frame (an fMP4 moof+mdat, a WebM Cluster), which starts
///    with a key frame when the frame is one. Its timestamps are the frames' pts
///    (an fMP4 tfdt does not restart at 0 with the muxer).
/// Stream description from the caps avenc gives (stream_from_caps).
///
/// Thread safety: one thread at a time.

#include "core/caps/caps.hpp"
#include "core/memory/buffer.hpp"
#include "core/support/result.hpp"

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

struct AVFormatContext;
struct AVIOContext;

namespace tessera::core {

/// The encoded stream going into a muxer, from its caps.
struct av_stream_desc {
  int codec_id = 0;  ///< AVCodecID
  std::string media_type;  ///< video/x-h264, video/x-vp8, video/x-vp9, image/jpeg
  bool annexb = false;     ///< H.264 byte-stream (else avc with extradata)
  int width = 0;
  int height = 0;
  int rate_num = 0, rate_den = 1;
  int par_num = 1, par_den = 1;
  std::vector<std::uint8_t> extradata;  ///< avcC for H.264 avc
};

/// From fixed caps; errc::not_negotiated naming what is missing or unknown.
result<av_stream_desc> stream_from_caps(const caps& c);

struct avmux_options {
  std::string format;       ///< libavformat short name: mp4, matroska, webm, mpegts
  bool fragmented = false;  ///< mp4: fragments (moof+mdat) at key frames, moov empty up front
  bool seekable = false;
  bool chunked = false;     ///< MSE: one media segment per frame (see above)
};

class avmux_writer {
 public:
  /// Receives every byte the muxer writes and where it goes in the output.
  using write_fn = std::function<result<void>(std::span<const std::uint8_t> bytes, std::int64_t position)>;

  avmux_writer() = default;
  ~avmux_writer();
  avmux_writer(const avmux_writer&) = delete;
  avmux_writer& operator=(const avmux_writer&) = delete;

  /// Opens the muxer and writes its header. Errors name the format and FFmpeg's reason.
  result<void> open(const avmux_options& o, const av_stream_desc& stream, write_fn out);
  bool is_open() const noexcept { return oc_ != nullptr; }
  /// One encoded frame (pts/dts in ns, delta-unit flag for non-key frames).
  result<void> write_frame(const buffer& b);
  /// Writes the trailer (mp4's moov, matroska's cues) and closes.
  result<void> finish();
  void close();

 private:
  static int write_cb(void* opaque, std::uint8_t* buf, int size);
  static std::int64_t seek_cb(void* opaque, std::int64_t offset, int whence);
  result<void> flush();

  AVFormatContext* oc_ = nullptr;
  AVIOContext* pb_ = nullptr;
  write_fn out_;
  avmux_options opts_;
  bool header_done_ = false;
  std::int64_t pos_ = 0;   ///< where the next write goes
  std::int64_t size_ = 0;  ///< bytes of output so far (the furthest write's end)
  error write_error_;      ///< the callback's failure, reported by the call that caused it
  bool failed_ = false;
  std::int64_t first_dts_ = 0;
};

}  // namespace tessera::core

#pragma once
/// avsrc's FFmpeg side: one input (a file descriptor, a URL or a device) demuxed
/// with libavformat and one stream of it decoded with libavcodec, as FFmpeg's
/// doc/examples/demux_decode.c does.
///
/// Files are read through our own AVIOContext on a descriptor the caller opened
/// (confined to the media root), so libav never opens a path itself; nested opens
/// (a playlist or a reference inside the file) are refused. URLs are opened by libav
/// and every nested URL (an HLS segment, an RTSP redirection) must pass the same
/// `allowed` predicate the caller checked the first URL with.
///
/// Every blocking libav call is interruptible: the interrupt callback answers
/// "stop" when `interrupt()` was called (a flush, a state change: base_src::unlock)
/// or when the call has run longer than `io_timeout` (a peer that never answers).
///
/// Timestamps are stream times in ns from the input's start time (the first frame
/// of a file is at 0 whatever its container says).
///
/// Thread safety: one thread at a time (avsrc's mutex), except interrupt() and
/// resume(), which any thread may call while another is inside a libav call.

#include "core/graph/clock_time.hpp"
#include "core/caps/fraction.hpp"
#include "core/support/result.hpp"
#include "core/support/unique_fd.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

extern "C" {
struct AVCodecContext;
struct AVDictionary;
struct AVFormatContext;
struct AVFrame;
struct AVIOContext;
struct AVPacket;
struct AVStream;
}

namespace tessera::core {

enum class av_media { video, audio };

struct avsrc_open_options {
  av_media media = av_media::video;
  /// How long one blocking libav call (open, read) may take before it fails.
  std::chrono::milliseconds io_timeout{10000};
  /// Low-delay decoding for live inputs (slice threads only, no frame reordering delay).
  bool live = false;
  /// For URLs: whether a URL libav wants to open (the first and nested ones) is allowed.
  std::function<bool(const std::string&)> allowed;
  /// An input format by name ("v4l2" for devices); empty: probe.
  std::string format;
};

class avsrc_demuxer {
 public:
  ~avsrc_demuxer();
  avsrc_demuxer(const avsrc_demuxer&) = delete;
  avsrc_demuxer& operator=(const avsrc_demuxer&) = delete;

  /// Opens a file already opened as `fd`; `label` names it in messages.
  static result<std::unique_ptr<avsrc_demuxer>> open_fd(unique_fd fd, std::string label, avsrc_open_options opts);
  /// Opens a URL (or a device path with opts.format) with libav's own protocols.
  static result<std::unique_ptr<avsrc_demuxer>> open_url(const std::string& url, avsrc_open_options opts);

  /// The next decoded frame into `f` (unreferenced first): true, or false at the end
  /// of the stream. Errors: a read failure, a stream that will not decode; an
  /// interrupted call is errc::bad_state "interrupted".
  result<bool> next_frame(AVFrame* f);
  /// Moves to the keyframe at or before stream time `t` and flushes the decoder.
  result<void> seek(clock_time t);
  /// A warning about the data met since the last call (corrupt packets skipped).
  std::optional<std::string> take_warning();

  void interrupt() noexcept { interrupted_.store(true, std::memory_order_release); }
  void resume() noexcept { interrupted_.store(false, std::memory_order_release); }

  bool seekable() const noexcept { return seekable_; }
  std::optional<clock_time> duration() const noexcept { return duration_; }
  const AVCodecContext* codec() const noexcept { return dec_; }
  /// Frames per second as the container guesses it; 0/1 when unknown.
  fraction framerate() const noexcept { return framerate_; }
  /// Pixel aspect ratio of `f` (1/1 when unknown).
  fraction pixel_aspect_ratio(const AVFrame& f) const;
  /// `f`'s presentation time (time_none when it has none) and duration, ns.
  clock_time frame_pts(const AVFrame& f) const;
  clock_time frame_duration(const AVFrame& f) const;
  const std::string& label() const noexcept { return label_; }

 private:
  avsrc_demuxer() = default;
  static int interrupt_cb(void* opaque);
  static int io_read(void* opaque, std::uint8_t* buf, int size);
  static std::int64_t io_seek(void* opaque, std::int64_t offset, int whence);
  static int io_open(AVFormatContext* s, AVIOContext** pb, const char* url, int flags, AVDictionary** options);
  result<void> open_stream(const avsrc_open_options& opts);
  void arm() noexcept;
  error interrupted_or(int averror, std::string_view what);

  std::string label_;
  unique_fd fd_;
  std::uint64_t fd_pos_ = 0;
  std::uint64_t fd_size_ = 0;
  AVFormatContext* ic_ = nullptr;
  AVIOContext* pb_ = nullptr;  // ours, for files
  AVCodecContext* dec_ = nullptr;
  AVPacket* pkt_ = nullptr;
  AVStream* st_ = nullptr;
  int (*default_io_open_)(AVFormatContext*, AVIOContext**, const char*, int, AVDictionary**) = nullptr;
  std::function<bool(const std::string&)> allowed_;
  std::chrono::milliseconds io_timeout_{10000};
  std::atomic<bool> interrupted_{false};
  std::atomic<std::int64_t> deadline_ns_{0};  // steady clock; 0: none
  bool draining_ = false;
  bool seekable_ = false;
  std::optional<clock_time> duration_;
  clock_time start_ns_ = 0;
  fraction framerate_;
  unsigned bad_packets_in_a_row_ = 0;
  unsigned frames_decoded_ = 0;
  std::optional<std::string> warning_;
  std::string first_bad_packet_error_;
};

}  // namespace tessera::core

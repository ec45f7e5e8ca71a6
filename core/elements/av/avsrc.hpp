#pragma once
/// avsrc: demuxes and decodes one stream of a file, a network stream or a V4L2
/// device with FFmpeg (libavformat, libavcodec, libavdevice).
///
/// Input, one of:
///  - `location`: a file confined to the media root as filesrc's (refused when set if
///    it leads out, checked again when opened); libav reads it through our own
///    descriptor and never opens another path or URL named inside it;
///  - `uri`: rtsp://, rtsps://, http(s)://, udp://, srt://, ... only when the URI starts
///    with a prefix the operator allowed (`--allow-uri`), ending at a boundary (the
///    prefix `rtsp://cam1` allows rtsp://cam1/x and rtsp://cam1:554/x, not
///    rtsp://cam1.evil/); every URL libav opens on the way (HLS segments) is checked
///    the same way. `file://PATH` is a `location`;
///  - `device`: a V4L2 camera (/dev/videoN) through libavdevice, only when the path is
///    one the operator allowed (`--allow-device`).
///
/// Output: `media=video` (default) takes the best video stream: video/x-raw in the
/// decoder's own format when it is I420, NV12, RGBA, RGB or GRAY8, made of the
/// decoder's own buffers (av_frame_memory.hpp: no copy; a write on a frame the decoder
/// still references copies). Other formats (yuv422p, 10-bit...) are converted by
/// swscale to I420 (said in a debug log), as is any frame when downstream does not
/// accept the decoded format (then to the first of ours it accepts). Caps carry the
/// size, framerate, pixel-aspect-ratio and layout=linear; when the rows are padded
/// (the decoder's, or swscale's into an FFmpeg frame, both FFmpeg-aligned) they carry
/// `stride` (bytes from row to row of plane 0) and, for I420/NV12, `chroma-stride`
/// (of the chroma planes), as video_info reads them; one memory per plane
/// (av_frame_memory.hpp).
/// `media=audio` takes the best audio stream: audio/x-raw S16LE (s16 as decoded,
/// without a copy) or F32LE (float as decoded; planar and other sample formats are
/// interleaved / converted).
///
/// Timing: pts/duration in ns, from 0 at the file's start. Files: duration answered,
/// flushing seeks in time: key-unit lands on the keyframe at or before the position
/// (the segment starts there), otherwise (accurate, or no flag) decoding starts at
/// that keyframe and the frames before the position are dropped. `loop=true` starts
/// again at the end, timestamps going on. Network inputs and devices are live
/// (is-live forced): frames are stamped with the pipeline's running time when they
/// arrive (GStreamer's do-timestamp), the latency is one frame period (video) or one
/// decoded audio frame; a read error or silence longer than `timeout` posts a warning
/// and reconnects with back-off (0.25 s doubling to 8 s), until the peer is back or
/// the pipeline stops; the end of the peer's stream (RTSP teardown, end of a file
/// served over HTTP) is EOS.
///
/// Bad input fails the state change or the stream with a bus error naming the file
/// and libav's reason (missing file, "moov atom not found", a stream that does not
/// decode). Every blocking libav call is interrupted by a flush or a state change
/// (unlock) and bounded by `timeout`.
///
/// Thread safety: create() (task), do_seek/start/stop (the task stopped), queries
/// (any thread) share the demuxer under `mutex_`; unlock() takes only `interrupt_mutex_`.

#include "core/base/base_src.hpp"
#include "core/elements/av/avsrc_demuxer.hpp"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

extern "C" {
struct AVFrame;
struct SwsContext;
}

namespace tessera::core {

class avsrc final : public base_src {
 public:
  avsrc(const element_factory& f, std::string name);
  ~avsrc() override;
  static std::unique_ptr<element_factory> factory();
  /// An EOS sent to the pipeline also interrupts a read or a reconnection that waits
  /// for a peer, so the stream ends now rather than when the peer answers.
  bool send_event(core::event ev) override;

 protected:
  flow create(buffer& out) override;
  bool is_live() const override { return live_.load(std::memory_order_relaxed); }
  clock_time live_latency(const caps& c) const override;
  bool is_seekable() const override { return seekable_.load(std::memory_order_acquire); }
  result<void> check_seek(const seek_request& r) const override;
  bool do_seek(core::segment& seg) override;
  std::optional<clock_time> time_duration() const override;
  result<caps> fixate_caps(const caps& allowed) override;
  result<void> start() override;
  void stop() override;
  void unlock() override;
  void unlock_stop() override;
  result<void> check_property(std::size_t index, const property_value& v) const override;

 private:
  enum class input_kind { none, file, network, device };
  struct input {
    input_kind kind = input_kind::none;
    std::string target;  // the location, URI or device path
  };
  input chosen_input() const;
  result<std::unique_ptr<avsrc_demuxer>> open_input(const input& in);
  result<void> check_input(const input& in) const;
  bool uri_allowed(const std::string& uri) const;
  void set_demuxer(std::unique_ptr<avsrc_demuxer> d);

  // Everything below is for the caller holding mutex_.
  result<bool> decode_next();
  flow reconnect(const std::string& why);
  bool wait_backoff(std::chrono::milliseconds d);
  /// Caps of the frame video_buffer last handed out (shown_).
  result<caps> video_caps() const;
  result<caps> audio_caps(const AVFrame& f) const;
  int output_pixel_format(int decoded) const;
  result<buffer> video_buffer(const AVFrame& f);
  result<buffer> audio_buffer(const AVFrame& f);
  flow make_buffer(buffer& out);

  std::size_t prop_location_, prop_uri_, prop_device_, prop_media_, prop_loop_, prop_live_, prop_timeout_;
  mutable std::mutex mutex_;
  std::unique_ptr<avsrc_demuxer> demux_;
  AVFrame* frame_ = nullptr;
  bool pending_ = false;           // frame_ holds a frame decoded by do_seek, not yet pushed
  clock_time loop_offset_ = 0;     // added to pts after each loop
  clock_time last_end_ = 0;        // end of the last frame (stream time), where a loop goes on
  bool discont_ = true;
  caps current_caps_;              // of the last buffer
  SwsContext* sws_ = nullptr;
  AVFrame* converted_ = nullptr;   // swscale's output when downstream refused the decoded format
  const AVFrame* shown_ = nullptr; // frame_ or converted_: the pixels of the last video buffer
  bool logged_conversion_ = false;
  input input_;
  mutable std::mutex caps_mutex_;  // the two below: fixate_caps runs outside mutex_
  caps stream_caps_;               // what the opened stream decodes to (codec parameters)
  int forced_format_ = -1;         // a pixel format downstream asked for instead (swscale)
  std::atomic<bool> live_{false};
  std::atomic<bool> seekable_{false};
  std::atomic<clock_time> duration_{time_none};
  std::atomic<clock_time> frame_period_{0};

  std::mutex interrupt_mutex_;  // demux_raw_ and unlocked_ for unlock()
  std::condition_variable unlocked_cv_;
  avsrc_demuxer* demux_raw_ = nullptr;
  bool unlocked_ = false;
  bool eos_requested_ = false;  // interrupted by an EOS: create() ends the stream
};

}  // namespace tessera::core

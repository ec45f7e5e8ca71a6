#pragma once
/// avmux: puts one encoded video stream into a container with libavformat
/// (GStreamer's mp4mux, matroskamux, webmmux, mpegtsmux in one element).
///
/// `format=mp4|matroska|webm|mpegts` takes what avenc gives (mp4: H.264 avc, VP9,
/// MJPEG; matroska: also VP8; webm: VP8, VP9; mpegts: H.264 byte-stream) and gives
/// video/quicktime, video/x-matroska, video/webm or video/mpegts bytes. The header is
/// written at the first frame, EOS writes the trailer and then goes on downstream.
/// `fragmented=true` (mp4) writes an empty moov and a moof+mdat fragment per key
/// frame: a recording cut short still plays up to its last fragment.
///
/// Going back: a non-fragmented mp4 learns its sample tables (moov) and mdat size
/// only at the end, and matroska/webm their duration and cues. libavformat writes
/// through our own AVIOContext and seeks in it; a write that does not follow the
/// previous one is preceded by a new segment in bytes whose start is the write's
/// position, as GStreamer's mp4mux does to rewrite its header. filesink seeks its
/// file there, so the recording is complete; the output buffers carry their byte
/// position in `offset` too. This keeps memory flat for long recordings (the
/// alternative, holding the whole file until EOS, does not) and needs no temporary
/// file. A downstream that cannot seek (anything but filesink) should get
/// `fragmented=true` mp4 or mpegts, which only go forward.
///
/// Timestamps: the container gets each frame's running time in its input segment
/// (GstAggregator's muxers: mp4mux, matroskamux), not its stream time. After a flush
/// (a flushing seek upstream while recording) the running time starts again from 0:
/// avmux adds the end of what it wrote before, so the recording goes on where it was,
/// its timestamps increasing, its duration the time recorded (a seek back does not make
/// libavformat refuse a frame whose dts goes backwards, a seek forward leaves no gap).
/// A reverse segment (rate < 0) is refused with an error: a file plays forward. A
/// segment that is not in time leaves the timestamps as they come.
///
/// Thread safety: chain and events in the streaming task.

#include "core/elements/av/avmux_writer.hpp"
#include "core/graph/element.hpp"

#include <optional>

namespace tessera::core {

class avmux final : public element {
 public:
  avmux(const element_factory& f, std::string name);
  static std::unique_ptr<element_factory> factory();

  flow chain(pad& sinkpad, buffer&& b) override;
  bool event(pad& p, core::event ev) override;
  caps query_caps(pad& p, const caps* filter) override;

 protected:
  state_change change_state(state from, state to) override;

 private:
  result<void> start();
  result<void> push_bytes(std::span<const std::uint8_t> bytes, std::int64_t position);
  flow finish();
  /// `t` (stream time of the input segment) on the recording's timeline.
  clock_time recording_time(clock_time t) const noexcept;

  pad* sinkpad_;
  pad* srcpad_;
  std::size_t prop_format_, prop_fragmented_;
  avmux_writer writer_;
  std::optional<av_stream_desc> stream_;
  std::int64_t next_position_ = 0;  ///< where the bytes pushed so far end
  flow push_flow_ = flow::ok;       ///< what downstream answered the last push
  segment segment_;                 ///< the input's (time)
  clock_time flushed_base_ = 0;     ///< recording time where the running time after the last flush starts
  clock_time end_ = 0;              ///< recording time where the frames written so far end
  clock_time last_dts_ = clock_none; ///< recording time of the last frame's dts (none: no frame yet)
  bool flushed_ = false;            ///< a flush came: the next frame places flushed_base_
};

}  // namespace tessera::core

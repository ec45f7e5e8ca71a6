#pragma once
/// rawvideoparse: cuts a byte stream of raw video into frames (GStreamer's
/// rawvideoparse). The frame layout comes from the properties width, height, format
/// and framerate; the source pad's caps are fixed from them.
///
/// Two schedules, chosen when the pads are activated (READY -> PAUSED):
///  - pull mode, when the upstream peer answers range requests (filesrc): the sink
///    pad is activated in pull mode and this element drives the pipeline with its
///    own streaming task, pulling frame n as `frame_size` bytes at byte
///    n * frame_size and pushing it with pts = n / framerate;
///  - push mode otherwise (fakesrc, a queue in between): buffers arriving in `chain`
///    go into a byte_adapter, which hands out whole frames, without a copy when one
///    input buffer holds the whole frame.
/// A short last frame is dropped at the end of the stream with a warning on the bus
/// (GStreamer drops it too).
///
/// Seeking (time, flush): frame = the frame whose [pts, pts + duration) holds the
/// position, i.e. floor(t * framerate) up to the nanosecond rounding of pts. In pull
/// mode the task restarts at byte frame * frame_size and the new segment starts at
/// that frame's pts; in push mode the seek goes upstream as a byte seek, refused
/// (with a warning naming the reason) when upstream cannot seek. The position is the
/// pts of the next frame; the duration comes from the upstream size (a duration query
/// in bytes).
///
/// Reverse playback (rate < 0), pull mode only: frames from the one before the stop
/// (or the last whole frame of the file) down to the one at the start. A seek with
/// the `segment` flag ends with segment-done instead of EOS (pull mode).
///
/// Ownership: the element owns its task and the adapter's buffers.
/// Thread safety: the task or upstream's task runs the data path; seeks, flushes,
/// queries and state changes come from other threads and meet it under `mutex_`,
/// never held while pushing downstream.

#include "core/video/video_info.hpp"
#include "core/elements/rawparse/byte_adapter.hpp"
#include "core/graph/element.hpp"
#include "core/sched/streaming_task.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <mutex>
#include <optional>

namespace tessera::core {

class rawvideoparse final : public element, private task_body {
 public:
  rawvideoparse(const element_factory& f, std::string name);
  ~rawvideoparse() override;
  static std::unique_ptr<element_factory> factory();

  flow chain(pad& sinkpad, buffer&& b) override;
  bool event(pad& p, core::event ev) override;
  caps query_caps(pad& p, const caps* filter) override;
  /// The pts of the next frame to go out, ns; none before PAUSED.
  std::optional<clock_time> query_position() const override;
  /// In time: whole frames in the upstream size (asked upstream in bytes) times the
  /// frame duration, ns; none when upstream does not know its size. In bytes: upstream's.
  std::optional<std::int64_t> query_duration(seek_format format) const override;

  pad& sinkpad() const noexcept { return *sinkpad_; }
  pad& srcpad() const noexcept { return *srcpad_; }

 protected:
  state_change change_state(state from, state to) override;
  bool wants_pull(const pad& /*sinkpad*/) const override { return true; }

 private:
  result<video_info> config_from_properties() const;
  clock_time frame_pts(std::uint64_t frame) const noexcept;
  std::uint64_t frame_at(clock_time t) const noexcept;
  core::segment segment_from_locked(std::uint64_t frame, const seek_request& r, bool flush) const;
  /// Whole frames of `frame_size` bytes in upstream's size (a duration query in bytes).
  std::optional<std::uint64_t> upstream_frames(std::size_t frame_size) const;

  // task_body: the pull-mode loop (sched/streaming_task.hpp), one frame per iteration.
  flow iterate() override;
  bool stopped(flow f) override;
  flow pull_frame(bool& finished);
  flow send_pending_events();
  void stamp(buffer& b, std::uint64_t frame, bool discont) const noexcept;
  void end_stream(flow f);
  void drop_partial_frame(std::size_t bytes, std::uint64_t at_byte);

  bool handle_seek(const seek_request& r);
  bool seek_in_pull_mode(const seek_request& r);
  bool seek_in_push_mode(const seek_request& r);
  bool handle_upstream_segment(const core::segment& upstream);
  void start_task();
  void stop_task();

  std::size_t prop_width_, prop_height_, prop_format_, prop_framerate_;
  pad* sinkpad_;
  pad* srcpad_;
  streaming_task task_;  // pull mode only
  bool frame_finished_ = false;  // task only: the last pull_frame ended the stream itself

  // Fixed on READY -> PAUSED (under mutex_), before any data flows; read-only while
  // streaming, so the data path reads them without the lock.
  caps src_caps_;
  std::size_t frame_size_ = 0;  // bytes
  std::int64_t fps_num_ = 25;
  std::int64_t fps_den_ = 1;

  std::mutex seek_mutex_;  // one seek at a time
  std::uint32_t last_seek_seqnum_ = 0;

  mutable std::mutex mutex_;  // everything below
  byte_adapter adapter_;           // push mode
  std::uint64_t next_frame_ = 0;   // index of the next frame to push
  std::uint64_t seek_generation_ = 0;  // bumped by every seek: a pulled frame from before it is dropped
  core::segment segment_;          // the time segment downstream gets
  bool need_stream_start_ = false;  // pull mode: we start the stream (upstream has no task)
  bool need_caps_ = true;
  bool need_segment_ = true;
  bool discont_ = true;
  bool flushed_ = true;            // push mode: a flush came since the last upstream segment
  bool task_finished_ = false;     // pull mode: the task ended the stream and is exiting
  bool configured_ = false;        // the fields above are set (PAUSED and up)
  bool reverse_ = false;           // pull mode: frames go down from next_frame_ to first_frame_
  std::uint64_t first_frame_ = 0;  // reverse: the last frame to push
  bool exhausted_ = false;         // reverse: went below first_frame_
  bool segment_seek_ = false;      // the segment ends with segment-done, not EOS
};

}  // namespace tessera::core

// rawvideoparse: seeking (pull and push mode, reverse in pull mode) and the position
// and duration queries. The frame-number model is described in rawvideoparse.cpp.

#include "core/elements/rawparse/rawvideoparse.hpp"

#include "core/graph/pipeline.hpp"

namespace tessera::core {

core::segment rawvideoparse::segment_from_locked(std::uint64_t frame, const seek_request& r, bool flush) const {
  core::segment seg;
  seg.format = seek_format::time;
  // A non-flushing seek continues the running time where the old segment got to.
  const clock_time played = segment_.reverse() && is_valid_time(segment_.stop)
                                ? segment_.stop - frame_pts(next_frame_ + 1)
                                : frame_pts(next_frame_) - segment_.start;
  seg.base = flush ? 0 : segment_.base + std::max<clock_time>(0, played);
  seg.rate = r.rate;
  seg.start = frame_pts(frame);
  seg.time = seg.start;
  seg.position = seg.start;
  seg.stop = r.stop;
  return seg;
}

std::optional<std::uint64_t> rawvideoparse::upstream_frames(std::size_t frame_size) const {
  pad* peer = sinkpad_->peer();
  if (!peer || frame_size == 0) return std::nullopt;
  const auto bytes = peer->parent().query_duration(seek_format::bytes);
  if (!bytes || *bytes < 0) return std::nullopt;
  return static_cast<std::uint64_t>(*bytes) / frame_size;
}

bool rawvideoparse::handle_seek(const seek_request& r) {
  std::lock_guard seek_lock(seek_mutex_);
  if (r.seqnum != 0 && r.seqnum == last_seek_seqnum_) return true;  // already done via another sink
  last_seek_seqnum_ = r.seqnum;
  if (current_state() < state::paused) return false;
  if (r.start < 0) return refuse_seek(r, "cannot seek to a negative position");
  if (r.rate < 0 && sinkpad_->mode() != pad_mode::pull)
    return refuse_seek(r, "cannot seek with a negative rate in push mode: playing backwards needs pull mode "
                          "(a seekable source such as filesrc linked directly)");
  return sinkpad_->mode() == pad_mode::pull ? seek_in_pull_mode(r) : seek_in_push_mode(r);
}

bool rawvideoparse::seek_in_pull_mode(const seek_request& r) {
  // A byte seek names a byte; anything else is time.
  const std::uint64_t frame = r.format == seek_format::bytes ? static_cast<std::uint64_t>(r.start) / frame_size_
                                                             : frame_at(r.start);
  seek_request in_time = r;
  if (r.format == seek_format::bytes && is_valid_time(r.stop))
    in_time.stop = frame_pts((static_cast<std::uint64_t>(r.stop) + frame_size_ - 1) / frame_size_);
  // Backward: from the last frame starting before the stop, within the file.
  std::uint64_t top = 0;
  bool nothing = false;
  if (r.rate < 0) {
    const auto frames = upstream_frames(frame_size_);
    if (!is_valid_time(in_time.stop) && !frames)
      return refuse_seek(r, "cannot play backwards without a stop position: upstream does not know its size");
    std::optional<std::uint64_t> last;
    if (is_valid_time(in_time.stop)) last = in_time.stop > 0 ? frame_at(in_time.stop - 1) : 0;
    if (frames) last = *frames == 0 ? 0 : std::min(last.value_or(*frames - 1), *frames - 1);
    nothing = (frames && *frames == 0) || *last < frame;
    top = *last;
    const clock_time end = nothing ? frame_pts(frame) : frame_pts(top + 1);
    in_time.stop = is_valid_time(in_time.stop) ? std::min(in_time.stop, end) : end;
  }
  const bool flush = has(r.flags, seek_flags::flush);
  if (flush) {
    srcpad_->push_event(event_flush_start{});
    stop_task();
    srcpad_->push_event(event_flush_stop{});
  }
  bool restart = flush;
  {
    std::lock_guard lock(mutex_);
    segment_ = segment_from_locked(frame, in_time, flush);
    reverse_ = r.rate < 0;
    first_frame_ = frame;
    exhausted_ = reverse_ && nothing;
    next_frame_ = reverse_ ? top : frame;
    if (reverse_) segment_.position = segment_.stop;
    segment_seek_ = has(r.flags, seek_flags::segment);
    ++seek_generation_;
    need_segment_ = true;
    discont_ = true;
    restart = restart || task_finished_;
  }
  if (restart) {
    stop_task();  // a task that ended the stream has exited or is about to
    if (current_state() >= state::paused) start_task();
  }
  return true;
}

bool rawvideoparse::seek_in_push_mode(const seek_request& r) {
  if (r.format == seek_format::bytes) {
    if (sinkpad_->push_event(event_seek{r})) return true;
    return refuse_seek(r, "upstream refused the seek to byte " + std::to_string(r.start));
  }
  seek_request bytes = r;
  bytes.format = seek_format::bytes;
  bytes.start = static_cast<clock_time>(frame_at(r.start) * frame_size_);
  if (is_valid_time(r.stop)) {
    // The first frame not wanted any more starts at the stop's byte.
    const std::uint64_t stop_frame = frame_at(r.stop) + (frame_pts(frame_at(r.stop)) < r.stop ? 1 : 0);
    bytes.stop = static_cast<clock_time>(stop_frame * frame_size_);
  }
  if (sinkpad_->push_event(event_seek{bytes})) return true;
  // After upstream's own reason: the pipeline answers with the last one, ours.
  return refuse_seek(r, "cannot seek to " + std::to_string(r.start) + " ns in push mode: upstream (" +
                            (sinkpad_->peer() ? sinkpad_->peer()->parent().name() : std::string("nothing")) +
                            ") refused a seek to byte " + std::to_string(bytes.start) +
                            "; seeking needs a seekable upstream");
}

// ---------------------------------------------------------------- queries

// Queries come from other threads, maybe while READY -> PAUSED sets the frame size:
// they read it under the lock it is written under (`configured_`).

std::optional<clock_time> rawvideoparse::query_position() const {
  std::lock_guard lock(mutex_);
  if (!configured_) return std::nullopt;
  return frame_pts(next_frame_);
}

std::optional<std::int64_t> rawvideoparse::query_duration(seek_format format) const {
  if (format == seek_format::bytes) return element::query_duration(format);
  std::size_t frame_size = 0;
  {
    std::lock_guard lock(mutex_);
    if (!configured_) return std::nullopt;
    frame_size = frame_size_;
  }
  const auto frames = upstream_frames(frame_size);
  if (!frames) return std::nullopt;
  std::lock_guard lock(mutex_);  // the frame rate is set under it
  return frame_pts(*frames);
}

}  // namespace tessera::core

// rawvideoparse: the model (see the header for the two schedules).
//
// Frame numbers drive everything: frame n starts at byte n * frame_size, has
// pts = n * den / num seconds (rounded down to the ns) and lasts until frame n + 1's
// pts. A seek picks a frame number, a byte offset follows from it, and the segment
// downstream starts at that frame's pts, so running time starts at 0 on the first
// frame shown.
//
// Pull mode: a flushing seek pushes flush-start downstream (a sink holding a preroll
// buffer lets go, our task's next push answers flushing), joins the task, pushes
// flush-stop, repositions and restarts the task. A non-flushing one only repositions:
// the generation counter makes the task drop a frame it pulled before the seek, and
// restarts a task that had already ended the stream.

#include "core/elements/rawparse/rawvideoparse.hpp"

#include "core/graph/element_factory.hpp"
#include "core/sched/element_task.hpp"
#include "core/graph/pipeline.hpp"

#include <limits>

namespace tessera::core {

namespace {

constexpr const char* rawvideoparse_src_template =
    "video/x-raw,format={RGBA,RGB,GRAY8},width=[1,2147483647],height=[1,2147483647],"
    "framerate=[0/1,2147483647/1],layout=linear";

}  // namespace

std::unique_ptr<element_factory> rawvideoparse::factory() {
  std::vector<enum_entry> formats = {{static_cast<std::int64_t>(video_format::rgba), "RGBA", "8-bit R, G, B, A"},
                                     {static_cast<std::int64_t>(video_format::rgb), "RGB", "8-bit R, G, B"},
                                     {static_cast<std::int64_t>(video_format::gray8), "GRAY8", "8-bit grey"}};
  return make_factory<rawvideoparse>(
      "rawvideoparse", "Raw video parser", "Codec/Parser/Video",
      "Cuts a byte stream into raw video frames; pulls them by byte offset from a source that allows it (seekable)",
      {pad_template{"sink", pad_direction::sink, pad_presence::always, caps::new_any()},
       pad_template{"src", pad_direction::src, pad_presence::always, caps::parse(rawvideoparse_src_template).value()}},
      {int_property("width", "Frame width in pixels", 320, 1, int_property_max, mutability::ready),
       int_property("height", "Frame height in pixels", 240, 1, int_property_max, mutability::ready),
       enum_property("format", "Pixel format of the frames", "RGBA", std::move(formats), mutability::ready),
       fraction_property("framerate", "Frames per second: sets each frame's pts and duration, and seek offsets",
                         {25, 1}, {1, 1000}, {static_cast<std::int32_t>(int_property_max), 1},
                         mutability::ready)});
}

rawvideoparse::rawvideoparse(const element_factory& f, std::string name)
    : element(f, std::move(name)),
      prop_width_(property_index("width")),
      prop_height_(property_index("height")),
      prop_format_(property_index("format")),
      prop_framerate_(property_index("framerate")),
      sinkpad_(static_pad(pad_direction::sink)),
      srcpad_(static_pad(pad_direction::src)),
      task_(this->name() + ":pull") {}

rawvideoparse::~rawvideoparse() { stop_task(); }

// ---------------------------------------------------------------- configuration

result<video_info> rawvideoparse::config_from_properties() const {
  const fraction_value fr = props().get_fraction(prop_framerate_);
  auto rate = fraction::make(fr.num, fr.den);
  if (!rate) return error(rate.error().code, name() + ": framerate: " + rate.error().message);
  auto info = video_info::make(static_cast<video_format>(props().get_enum(prop_format_)), props().get_int(prop_width_),
                               props().get_int(prop_height_), *rate);
  if (!info) return error(info.error().code, name() + ": " + info.error().message);
  return info;
}

caps rawvideoparse::query_caps(pad& p, const caps* filter) {
  if (&p != srcpad_) return element::query_caps(p, filter);
  // The properties say exactly what comes out.
  auto info = config_from_properties();
  caps fixed = info ? info->to_caps() : caps::new_empty();
  return filter ? filter->intersect(fixed, intersect_mode::first) : fixed;
}

clock_time rawvideoparse::frame_pts(std::uint64_t frame) const noexcept {
  return scale_int(static_cast<std::int64_t>(frame), fps_den_ * ns_per_second, fps_num_);
}

std::uint64_t rawvideoparse::frame_at(clock_time t) const noexcept {
  if (t <= 0) return 0;
  // floor(t * fps), corrected for the rounding of pts: the frame whose
  // [pts, next pts) holds t, so a seek to a frame's own pts lands on it.
  auto frame = static_cast<std::uint64_t>(scale_int(t, fps_num_, fps_den_ * ns_per_second));
  while (frame_pts(frame + 1) <= t) ++frame;
  return frame;
}

void rawvideoparse::stamp(buffer& b, std::uint64_t frame, bool discont) const noexcept {
  b.pts = frame_pts(frame);
  b.dts = b.pts;
  b.duration = frame_pts(frame + 1) - b.pts;
  b.offset = frame;
  b.offset_end = frame + 1;
  b.flags = discont ? buffer_flags::discont : buffer_flags::none;  // nothing of the input's flags applies to a frame
}

// ---------------------------------------------------------------- data path

flow rawvideoparse::send_pending_events() {
  bool stream_start_needed = false;
  bool caps_needed = false;
  bool segment_needed = false;
  core::segment seg;
  {
    std::lock_guard lock(mutex_);
    stream_start_needed = std::exchange(need_stream_start_, false);
    caps_needed = std::exchange(need_caps_, false);
    segment_needed = std::exchange(need_segment_, false);
    seg = segment_;
  }
  if (stream_start_needed) srcpad_->push_event(event_stream_start{stream_id()});
  if (caps_needed && !srcpad_->push_event(event_caps{src_caps_})) {
    // flow::error, not not_negotiated: this message says more than the generic
    // "streaming stopped, reason not-negotiated" that would follow it.
    if (srcpad_->is_linked() && !srcpad_->peer()->flushing())
      return fail_flow(errc::not_negotiated, name() + ": downstream refused caps " + src_caps_.to_string());
    std::lock_guard lock(mutex_);
    need_caps_ = true;  // flushing: send them again afterwards
  }
  if (segment_needed) srcpad_->push_event(event_segment{seg});
  return flow::ok;
}

void rawvideoparse::drop_partial_frame(std::size_t bytes, std::uint64_t at_byte) {
  post_warning(name() + ": dropping " + std::to_string(bytes) + " bytes at byte " + std::to_string(at_byte) +
               " at the end of the stream: less than one frame of " + std::to_string(frame_size_) + " bytes");
}

flow rawvideoparse::chain(pad&, buffer&& b) {
  if (const flow f = send_pending_events(); f != flow::ok) return f;
  bool pushed_input = false;
  for (;;) {
    buffer frame;
    std::uint64_t index = 0;
    bool discont = false;
    clock_time stop = time_none;
    {
      std::lock_guard lock(mutex_);
      stop = segment_.stop;
      if (!pushed_input) {
        adapter_.push(std::move(b));
        pushed_input = true;
      }
      if (adapter_.available() < frame_size_) return flow::ok;
      auto taken = adapter_.take(frame_size_);
      if (!taken) return fail_flow(errc::no_memory, name() + ": " + taken.error().message);
      frame = std::move(taken).value();
      index = next_frame_++;
      discont = std::exchange(discont_, false);
    }
    if (is_valid_time(stop) && frame_pts(index) >= stop) return flow::eos;
    stamp(frame, index, discont);
    if (const flow f = srcpad_->push(std::move(frame)); f != flow::ok) return f;
  }
}

flow rawvideoparse::pull_frame(bool& finished) {
  finished = false;
  if (const flow f = send_pending_events(); f != flow::ok) return f;
  std::uint64_t index = 0;
  std::uint64_t generation = 0;
  clock_time stop = time_none;
  bool done = false;
  {
    std::lock_guard lock(mutex_);
    index = next_frame_;
    generation = seek_generation_;
    stop = segment_.stop;
    done = reverse_ ? exhausted_ : is_valid_time(stop) && frame_pts(index) >= stop;
  }
  const std::uint64_t offset = index * frame_size_;
  flow f = flow::ok;
  buffer frame;
  if (done) {
    f = flow::eos;
  } else {
    f = sinkpad_->pull_range(offset, frame_size_, frame);
  }
  if (f == flow::ok && frame.size() < frame_size_) {
    drop_partial_frame(frame.size(), offset);
    f = flow::eos;
  }
  bool discont = false;
  {
    std::lock_guard lock(mutex_);
    if (generation != seek_generation_) return flow::ok;  // a seek moved us meanwhile: go on from there
    if (f == flow::eos) {
      task_finished_ = true;
      finished = true;
    }
    if (f != flow::ok) return f;
    if (!reverse_)
      next_frame_ = index + 1;
    else if (index == first_frame_)
      exhausted_ = true;
    else
      next_frame_ = index - 1;
    discont = std::exchange(discont_, false);
  }
  stamp(frame, index, discont);
  return srcpad_->push(std::move(frame));
}

void rawvideoparse::end_stream(flow f) {
  // What GStreamer's pausing loop does: EOS for the end of the data, an error (if the
  // failing element has not posted one) and EOS for the rest, nothing when flushing.
  if (f == flow::flushing) return;
  bool segment_seek = false;
  core::segment seg;
  clock_time reached = 0;
  {
    std::lock_guard lock(mutex_);
    segment_seek = segment_seek_;
    seg = segment_;
    reached = frame_pts(next_frame_);
  }
  if (f == flow::eos && segment_seek) {
    // A segment seek: where the segment ended, instead of EOS (as GstBaseSrc does).
    const clock_time at = seg.reverse() ? seg.start : (is_valid_time(seg.stop) ? seg.stop : reached);
    message m(message_type::segment_done, name());
    m.set("position_ns", static_cast<std::int64_t>(at));
    post(std::move(m));
    return;
  }
  if (f == flow::not_linked || f == flow::not_negotiated)
    post_error(f == flow::not_negotiated ? errc::not_negotiated : errc::bad_state,
               name() + ": streaming stopped, reason " + std::string(to_string(f)));
  srcpad_->push_event(event_eos{});
}

flow rawvideoparse::iterate() {
  frame_finished_ = false;
  return pull_frame(frame_finished_);
}

bool rawvideoparse::stopped(flow f) {
  if (!frame_finished_ && f != flow::flushing) {
    std::lock_guard lock(mutex_);
    task_finished_ = true;
  }
  end_stream(f);
  return false;
}

void rawvideoparse::start_task() {
  {
    std::lock_guard lock(mutex_);
    task_finished_ = false;
  }
  start_streaming(*this, task_, *this);
}

void rawvideoparse::stop_task() {
  task_.request_stop();
  task_.join();
}

// ---------------------------------------------------------------- events

bool rawvideoparse::handle_upstream_segment(const core::segment& upstream) {
  // Push mode. A byte segment says where the next bytes come from (after a byte
  // seek); any other keeps counting frames. Downstream always gets time.
  {
    std::lock_guard lock(mutex_);
    if (upstream.format == seek_format::bytes && upstream.start >= 0)
      next_frame_ = static_cast<std::uint64_t>(upstream.start) / frame_size_;
    seek_request r;
    r.rate = upstream.rate;
    if (upstream.format == seek_format::bytes && is_valid_time(upstream.stop))
      r.stop = frame_pts((static_cast<std::uint64_t>(upstream.stop) + frame_size_ - 1) / frame_size_);
    segment_ = segment_from_locked(next_frame_, r, flushed_);
    flushed_ = false;
    need_segment_ = true;
  }
  return send_pending_events() == flow::ok;
}

bool rawvideoparse::event(pad& p, core::event ev) {
  if (&p == srcpad_) {
    if (auto* s = ev.get<event_seek>()) return handle_seek(s->request);
    if (ev.is<event_reconfigure>()) {
      std::lock_guard lock(mutex_);
      need_caps_ = true;
      return true;
    }
    if (sinkpad_->mode() == pad_mode::pull) return true;  // qos: nobody upstream to tell
    return element::event(p, std::move(ev));
  }
  if (ev.is<event_flush_start>()) {
    {
      std::lock_guard lock(mutex_);
      adapter_.clear();
    }
    return srcpad_->push_event(std::move(ev));
  }
  if (ev.is<event_flush_stop>()) {
    {
      std::lock_guard lock(mutex_);
      adapter_.clear();
      flushed_ = true;
      discont_ = true;
      need_segment_ = true;
    }
    return srcpad_->push_event(std::move(ev));
  }
  if (auto* c = ev.get<event_caps>()) {
    // Whatever upstream calls its bytes, the properties say what they are.
    p.set_current_caps(c->caps);
    return true;
  }
  if (auto* s = ev.get<event_segment>()) return handle_upstream_segment(s->segment);
  if (ev.is<event_eos>()) {
    std::size_t leftover = 0;
    std::uint64_t at = 0;
    {
      std::lock_guard lock(mutex_);
      leftover = adapter_.available();
      at = next_frame_ * frame_size_;
      adapter_.clear();
    }
    if (leftover > 0) drop_partial_frame(leftover, at);
    (void)send_pending_events();
    return srcpad_->push_event(std::move(ev));
  }
  return element::event(p, std::move(ev));
}

// ---------------------------------------------------------------- state

state_change rawvideoparse::change_state(state from, state to) {
  if (from == state::ready && to == state::paused) {
    auto info = config_from_properties();
    if (!info) {
      post_error(errc::invalid_argument, info.error().message);
      return state_change::failure;
    }
    if (parent()) {
      if (auto ok = parent()->check_frame_size(static_cast<std::uint64_t>(info->width()),
                                               static_cast<std::uint64_t>(info->height()));
          !ok) {
        post_error(errc::limit_exceeded, name() + ": " + ok.error().message);
        return state_change::failure;
      }
    }
    {
      std::lock_guard lock(mutex_);
      src_caps_ = info->to_caps();
      frame_size_ = info->size();
      fps_num_ = info->framerate().num();
      fps_den_ = info->framerate().den();
      configured_ = true;
      adapter_.clear();
      next_frame_ = 0;
      reverse_ = exhausted_ = segment_seek_ = false;
      first_frame_ = 0;
      ++seek_generation_;
      segment_ = core::segment{};
      need_caps_ = true;
      need_segment_ = true;
      discont_ = true;
      flushed_ = true;
    }
    const state_change r = element::change_state(from, to);
    if (r == state_change::failure) return r;
    if (sinkpad_->mode() == pad_mode::pull) {
      {
        std::lock_guard lock(mutex_);
        need_stream_start_ = true;
      }
      start_task();
    }
    return r;
  }
  if (from == state::paused && to == state::ready) {
    // Everything downstream is READY already (sinks first), so a task waiting on it
    // has been woken and stops at its next push.
    sinkpad_->set_flushing(true);
    stop_task();
    const state_change r = element::change_state(from, to);
    std::lock_guard lock(mutex_);
    adapter_.clear();
    configured_ = false;
    return r;
  }
  return element::change_state(from, to);
}

}  // namespace tessera::core

#include "core/elements/av/avmux.hpp"

#include "core/graph/element_factory.hpp"

#include <cstring>

namespace tessera::core {

namespace {

enum class container : std::int64_t { mp4, matroska, webm, mpegts };

constexpr const char* format_names[] = {"mp4", "matroska", "webm", "mpegts"};

caps sink_caps_for(container c) {
  const char* text = "";
  switch (c) {
    case container::mp4: text = "video/x-h264,stream-format=avc,alignment=au; video/x-vp9; image/jpeg"; break;
    case container::matroska:
      text = "video/x-h264,stream-format=avc,alignment=au; video/x-vp8; video/x-vp9; image/jpeg";
      break;
    case container::webm: text = "video/x-vp8; video/x-vp9"; break;
    case container::mpegts: text = "video/x-h264,stream-format=byte-stream,alignment=au"; break;
  }
  return caps::parse(text).value();
}

caps src_caps_for(container c) {
  switch (c) {
    case container::mp4: return caps::parse("video/quicktime,variant=iso").value();
    case container::matroska: return caps::parse("video/x-matroska").value();
    case container::webm: return caps::parse("video/webm").value();
    case container::mpegts: return caps::parse("video/mpegts,systemstream=true,packetsize=188").value();
  }
  return caps();
}

}  // namespace

std::unique_ptr<element_factory> avmux::factory() {
  std::vector<enum_entry> formats = {
      {static_cast<std::int64_t>(container::mp4), "mp4", "ISO MP4 (H.264, VP9, MJPEG)"},
      {static_cast<std::int64_t>(container::matroska), "matroska", "Matroska (H.264, VP8, VP9, MJPEG)"},
      {static_cast<std::int64_t>(container::webm), "webm", "WebM (VP8, VP9)"},
      {static_cast<std::int64_t>(container::mpegts), "mpegts", "MPEG transport stream (H.264 byte-stream)"}};
  const caps sink = caps::parse(
                        "video/x-h264,stream-format={avc,byte-stream},alignment=au; video/x-vp8; video/x-vp9; "
                        "image/jpeg")
                        .value();
  const caps src = caps::parse(
                       "video/quicktime,variant=iso; video/x-matroska; video/webm; "
                       "video/mpegts,systemstream=true,packetsize=188")
                       .value();
  return make_factory<avmux>(
      "avmux", "FFmpeg muxer", "Codec/Muxer", "Puts encoded video into MP4, Matroska, WebM or MPEG-TS with libavformat",
      {pad_template{"sink", pad_direction::sink, pad_presence::always, sink},
       pad_template{"src", pad_direction::src, pad_presence::always, src}},
      {enum_property("format", "Container format", "mp4", std::move(formats), mutability::ready),
       bool_property("fragmented", "mp4: an empty moov, then a moof+mdat fragment per key frame", false,
                     mutability::ready)});
}

avmux::avmux(const element_factory& f, std::string name)
    : element(f, std::move(name)),
      sinkpad_(static_pad(pad_direction::sink)),
      srcpad_(static_pad(pad_direction::src)),
      prop_format_(property_index("format")),
      prop_fragmented_(property_index("fragmented")) {}

caps avmux::query_caps(pad& p, const caps* filter) {
  const auto c = static_cast<container>(props().get_enum(prop_format_));
  const caps mine = &p == sinkpad_ ? sink_caps_for(c) : src_caps_for(c);
  return filter ? filter->intersect(mine, intersect_mode::first) : mine;
}

state_change avmux::change_state(state from, state to) {
  if (from == state::paused && to == state::ready) {
    writer_.close();  // a stream cut short by a stop: no trailer (EOS writes it)
    stream_.reset();
  }
  if (from == state::ready && to == state::paused) {
    next_position_ = 0;
    push_flow_ = flow::ok;
    segment_ = segment{};
    flushed_base_ = 0;
    end_ = 0;
    last_dts_ = clock_none;
    flushed_ = false;
  }
  return element::change_state(from, to);
}

result<void> avmux::push_bytes(std::span<const std::uint8_t> bytes, std::int64_t position) {
  if (position != next_position_) {
    // libavformat went back (or forward) in its output: downstream continues there.
    segment seg;
    seg.format = seek_format::bytes;
    seg.start = position;
    seg.time = position;
    seg.position = position;
    srcpad_->push_event(event_segment{seg});
  }
  auto b = buffer::allocate(bytes.size());
  if (!b) return b.error();
  {
    auto m = b->map(map_access::write);
    if (!m) return m.error();
    std::memcpy(m->data(), bytes.data(), bytes.size());
  }
  b->offset = static_cast<std::uint64_t>(position);
  b->offset_end = static_cast<std::uint64_t>(position) + bytes.size();
  next_position_ = position + static_cast<std::int64_t>(bytes.size());
  push_flow_ = srcpad_->push(std::move(*b));
  if (push_flow_ != flow::ok) return fail(errc::io_error, "downstream did not take the muxed bytes");
  return {};
}

result<void> avmux::start() {
  const auto c = static_cast<container>(props().get_enum(prop_format_));
  avmux_options o;
  o.format = format_names[static_cast<std::size_t>(c)];
  o.fragmented = c == container::mp4 && props().get_bool(prop_fragmented_);
  o.seekable = c != container::mpegts && !o.fragmented;
  // Our own bytes segment from 0: downstream (filesink) positions by it.
  segment seg;
  seg.format = seek_format::bytes;
  srcpad_->push_event(event_segment{seg});
  next_position_ = 0;
  return writer_.open(o, *stream_, [this](std::span<const std::uint8_t> bytes, std::int64_t position) {
    return push_bytes(bytes, position);
  });
}

flow avmux::chain(pad&, buffer&& b) {
  if (!stream_) return fail_flow(errc::not_negotiated, name() + " received a frame before caps", flow::not_negotiated);
  if (!writer_.is_open()) {
    if (auto r = start(); !r) {
      if (push_flow_ != flow::ok) return push_flow_;
      return fail_flow(errc::invalid_argument, name() + ": " + r.error().message);
    }
  }
  if (flushed_) {
    // The first frame after a flush: its running time starts again from about 0; the
    // recording goes on where it ended, and its dts after the last one written (an
    // encoder with B-frames gives a dts before the pts).
    flushed_ = false;
    flushed_base_ = 0;
    const clock_time pts = recording_time(b.pts);
    const clock_time dts = b.dts != clock_none ? recording_time(b.dts) : pts;
    if (pts != clock_none) {
      clock_time base = end_ - pts;
      if (last_dts_ != clock_none && dts + base <= last_dts_) base = last_dts_ + 1 - dts;
      flushed_base_ = base;
    }
  }
  b.pts = recording_time(b.pts);
  if (b.dts != clock_none) b.dts = recording_time(b.dts);
  if (auto r = writer_.write_frame(b); !r) {
    if (push_flow_ != flow::ok) return push_flow_;  // flushing, EOS downstream: not our error
    return fail_flow(errc::invalid_argument, name() + ": " + r.error().message);
  }
  if (is_valid_time(b.pts)) end_ = std::max(end_, b.pts + (b.duration > 0 ? b.duration : 0));
  if (b.dts != clock_none) last_dts_ = b.dts;
  else if (is_valid_time(b.pts)) last_dts_ = b.pts;
  return flow::ok;
}

clock_time avmux::recording_time(clock_time t) const noexcept {
  if (t == clock_none) return clock_none;
  // Linear in t, also before the segment's start (a dts before the first pts).
  const clock_time since_start = segment_.rate == 1.0 ? t - segment_.start
                                                      : static_cast<clock_time>(static_cast<double>(t - segment_.start) / segment_.rate);
  return since_start + segment_.base + flushed_base_;
}

flow avmux::finish() {
  if (!writer_.is_open()) return flow::ok;
  if (auto r = writer_.finish(); !r) {
    if (push_flow_ != flow::ok) return push_flow_;
    return fail_flow(errc::io_error, name() + ": " + r.error().message);
  }
  return flow::ok;
}

bool avmux::event(pad& p, core::event ev) {
  if (&p != sinkpad_) return element::event(p, std::move(ev));
  if (auto* c = ev.get<event_caps>()) {
    if (!accept_caps(p, c->caps)) {
      post_error(errc::not_negotiated, name() + " does not accept caps " + c->caps.to_string());
      return false;
    }
    auto d = stream_from_caps(c->caps);
    if (!d) {
      post_error(errc::not_negotiated, name() + ": " + d.error().message);
      return false;
    }
    if (writer_.is_open() && stream_ && (stream_->codec_id != d->codec_id || stream_->width != d->width ||
                                         stream_->height != d->height || stream_->extradata != d->extradata)) {
      post_error(errc::not_negotiated, name() + ": the stream changed to " + c->caps.to_string() +
                                           " in the middle of a recording; a container holds one format");
      return false;
    }
    p.set_current_caps(c->caps);
    stream_ = std::move(*d);
    const auto fmt = static_cast<container>(props().get_enum(prop_format_));
    return srcpad_->push_event(event_caps{src_caps_for(fmt)}) || !srcpad_->is_linked();
  }
  if (auto* seg = ev.get<event_segment>()) {
    // Ours is in bytes, sent when the output starts; a time segment places the frames
    // (any other: their timestamps as they are, as before).
    if (seg->segment.rate < 0) {
      post_error(errc::invalid_argument, name() + " records forward playback only, not a segment of rate " +
                                             std::to_string(seg->segment.rate));
      return false;
    }
    segment_ = seg->segment.format == seek_format::time ? seg->segment : segment{};
    return true;
  }
  if (ev.is<event_flush_stop>()) flushed_ = writer_.is_open();
  if (ev.is<event_eos>()) (void)finish();   // the trailer goes out before the end
  return element::event(p, std::move(ev));
}

}  // namespace tessera::core

#include "core/elements/av/avenc.hpp"

#include "core/elements/av/avenc_h264.hpp"
#include "core/graph/element_factory.hpp"

#include <spdlog/spdlog.h>

#include <cstring>

namespace tessera::core {

namespace {

constexpr const char* geometry = ",width=[1,16384],height=[1,16384],framerate=[0/1,2147483647/1]";

caps sink_caps_for(av_video_codec c) {
  const char* formats = c == av_video_codec::h264 ? "{I420,NV12}" : "I420";
  return caps::parse(std::string("video/x-raw,format=") + formats + geometry + ",layout=linear").value();
}

caps src_caps_for(av_video_codec c) {
  switch (c) {
    case av_video_codec::h264:
      return caps::parse(std::string("video/x-h264,stream-format={avc,byte-stream},alignment=au") + geometry).value();
    case av_video_codec::vp8: return caps::parse(std::string("video/x-vp8") + geometry).value();
    case av_video_codec::vp9: return caps::parse(std::string("video/x-vp9") + geometry).value();
    case av_video_codec::mjpeg: return caps::parse(std::string("image/jpeg") + geometry).value();
  }
  return caps();
}

enum class tune_mode : std::int64_t { automatic, none, zerolatency };

}  // namespace

std::unique_ptr<element_factory> avenc::factory() {
  std::vector<enum_entry> codecs = {
      {static_cast<std::int64_t>(av_video_codec::h264), "h264", "H.264 (libx264)"},
      {static_cast<std::int64_t>(av_video_codec::vp8), "vp8", "VP8 (libvpx)"},
      {static_cast<std::int64_t>(av_video_codec::vp9), "vp9", "VP9 (libvpx-vp9)"},
      {static_cast<std::int64_t>(av_video_codec::mjpeg), "mjpeg", "Motion JPEG (FFmpeg)"}};
  std::vector<enum_entry> speeds;
  const char* names[] = {"ultrafast", "superfast", "veryfast", "faster", "fast",
                         "medium",    "slow",      "slower",   "veryslow"};
  for (std::int64_t i = 0; i < 9; ++i) speeds.push_back({i, names[i], "x264 preset; libvpx cpu-used " + std::to_string(8 - i)});
  std::vector<enum_entry> tunes = {
      {static_cast<std::int64_t>(tune_mode::automatic), "auto", "zerolatency when upstream is live"},
      {static_cast<std::int64_t>(tune_mode::none), "none", "the codec's default (B-frames, lookahead)"},
      {static_cast<std::int64_t>(tune_mode::zerolatency), "zerolatency", "no frame delay: no B-frames, no lookahead"}};
  const caps src = caps::parse(
                       "video/x-h264,stream-format={avc,byte-stream},alignment=au; video/x-vp8; video/x-vp9; "
                       "image/jpeg")
                       .value();
  return make_factory<avenc>(
      "avenc", "FFmpeg video encoder", "Codec/Encoder/Video",
      "Compresses raw video to H.264, VP8, VP9 or Motion JPEG with libavcodec",
      {pad_template{"sink", pad_direction::sink, pad_presence::always, sink_caps_for(av_video_codec::h264)},
       pad_template{"src", pad_direction::src, pad_presence::always, src}},
      {enum_property("codec", "Codec to encode with", "h264", std::move(codecs), mutability::ready),
       int_property("bitrate", "Target bitrate in kbit/s", 2048, 1, 1'000'000, mutability::ready),
       int_property("key-int-max", "Most frames between key frames (0: the codec's default)", 0, 0, 100'000,
                    mutability::ready),
       enum_property("speed", "Encoder speed preset (faster: larger stream)", "veryfast", std::move(speeds),
                     mutability::ready),
       enum_property("tune", "Latency tuning", "auto", std::move(tunes), mutability::ready)});
}

avenc::avenc(const element_factory& f, std::string name)
    : element(f, std::move(name)),
      sinkpad_(static_pad(pad_direction::sink)),
      srcpad_(static_pad(pad_direction::src)),
      prop_codec_(property_index("codec")),
      prop_bitrate_(property_index("bitrate")),
      prop_key_int_(property_index("key-int-max")),
      prop_speed_(property_index("speed")),
      prop_tune_(property_index("tune")) {}

av_video_codec avenc::codec() const { return static_cast<av_video_codec>(props().get_enum(prop_codec_)); }

caps avenc::query_caps(pad& p, const caps* filter) {
  const caps mine = &p == sinkpad_ ? sink_caps_for(codec()) : src_caps_for(codec());
  return filter ? filter->intersect(mine, intersect_mode::first) : mine;
}

state_change avenc::change_state(state from, state to) {
  if (from == state::paused && to == state::ready) {
    std::lock_guard lock(encoder_mutex_);  // waits for a chain in flight (sinks are flushing by now)
    encoder_.close();
    info_.reset();
    reopen_ = false;
  }
  if (from == state::ready && to == state::paused) {
    discont_ = true;
    force_key_.store(false, std::memory_order_relaxed);
    delay_frames_.store(0, std::memory_order_relaxed);  // the settings may have changed
  }
  return element::change_state(from, to);
}

result<void> avenc::configure(const caps& in) {
  auto info = video_info::from_caps(in);
  if (!info) return fail(errc::not_negotiated, name() + ": " + info.error().message);
  const av_video_codec c = codec();
  avenc_settings s;
  s.codec = c;
  s.bitrate_kbps = static_cast<int>(props().get_int(prop_bitrate_));
  s.key_int_max = static_cast<int>(props().get_int(prop_key_int_));
  s.speed = props().get_string(prop_speed_);
  const auto tune = static_cast<tune_mode>(props().get_enum(prop_tune_));
  s.zerolatency = tune == tune_mode::zerolatency || (tune == tune_mode::automatic && query_latency(*srcpad_).live);

  structure out = *src_caps_for(c).structure_at(0);
  if (c == av_video_codec::h264) {
    // Downstream's choice of stream format, in its order; avc when it has none.
    const caps filter = src_caps_for(c);
    const caps allowed = srcpad_->peer_query_caps(&filter);
    if (allowed.is_empty())
      return fail(errc::not_negotiated, name() + ": downstream takes no H.264 (it takes " +
                                            srcpad_->peer_query_caps().to_string() + ")");
    std::string format = "avc";
    if (const value* v = allowed.structure_at(0)->get("stream-format")) {
      if (auto one = v->as_string()) format = *one;
      else if (v->kind() == value_kind::list && !v->list_items().empty() && v->list_items()[0].as_string())
        format = *v->list_items()[0].as_string();
    }
    avc_ = format == "avc";
    s.global_header = avc_;
    (void)out.set("stream-format", format);
  }
  if (auto r = encoder_.open(s, *info); !r) return error(r.error().code, name() + ": " + r.error().message);
  (void)out.set("width", static_cast<std::int64_t>(info->width()));
  (void)out.set("height", static_cast<std::int64_t>(info->height()));
  (void)out.set("framerate", info->framerate());
  (void)out.set("pixel-aspect-ratio", info->pixel_aspect_ratio());
  if (avc_ && c == av_video_codec::h264) {
    auto avcc = h264::avcc_from_annexb(encoder_.extradata());
    if (!avcc) return fail(errc::not_negotiated, name() + ": libx264's header: " + avcc.error().message);
    (void)out.set("codec_data", h264::to_hex(*avcc));
  }
  const caps out_caps(std::move(out));
  if (!srcpad_->push_event(event_caps{out_caps}) && srcpad_->is_linked() && !srcpad_->peer()->flushing())
    return fail(errc::not_negotiated, name() + ": downstream refused " + out_caps.to_string());
  info_ = *info;
  settings_ = s;
  reopen_ = false;
  frames_in_ = 0;
  packets_out_ = 0;
  return {};
}

void avenc::note_delay(std::size_t packets, clock_time frame_duration) {
  ++frames_in_;
  packets_out_ += packets;
  // Before the first packet the encoder is still filling its lookahead: the delay is
  // only known once something comes out.
  if (packets == 0 || packets_out_ > frames_in_) return;
  const auto held = static_cast<std::int64_t>(frames_in_ - packets_out_);
  if (is_valid_time(frame_duration) && frame_duration > 0) frame_duration_.store(frame_duration, std::memory_order_relaxed);
  if (held <= delay_frames_.load(std::memory_order_relaxed)) return;
  delay_frames_.store(held, std::memory_order_relaxed);
  spdlog::debug("{}: the encoder holds {} frames: latency {} ns", name(), held,
                held * frame_duration_.load(std::memory_order_relaxed));
  // The pipeline handles it in this thread: the sinks know the new latency before the
  // packet that revealed it reaches them.
  post(message(message_type::latency, name()));
}

latency_info avenc::query_latency(pad& srcpad) {
  const latency_info up = element::query_latency(srcpad);
  const clock_time held = delay_frames_.load(std::memory_order_relaxed) * frame_duration_.load(std::memory_order_relaxed);
  return up.plus(held, held);
}

flow avenc::push_packets(std::vector<av_packet_out>& packets) {
  for (av_packet_out& p : packets) {
    h264::bytes converted;
    const std::vector<std::uint8_t>* data = &p.data;
    if (avc_ && settings_.codec == av_video_codec::h264) {
      converted = h264::annexb_to_avc(p.data);
      data = &converted;
    }
    auto b = buffer::allocate(data->size());
    if (!b) return fail_flow(errc::no_memory, name() + ": " + b.error().message);
    {
      auto m = b->map(map_access::write);
      if (!m) return fail_flow(errc::no_memory, name() + ": " + m.error().message);
      std::memcpy(m->data(), data->data(), data->size());
    }
    b->pts = p.pts;
    b->dts = p.dts;
    b->duration = p.duration;
    if (!p.key) b->flags = b->flags | buffer_flags::delta_unit;
    if (discont_) b->flags = b->flags | buffer_flags::discont;
    discont_ = false;
    if (const flow f = srcpad_->push(std::move(*b)); f != flow::ok) return f;
  }
  packets.clear();
  return flow::ok;
}

flow avenc::drain() {
  if (!encoder_.is_open()) return flow::ok;
  std::vector<av_packet_out> packets;
  if (auto r = encoder_.drain(packets); !r) return fail_flow(errc::invalid_argument, name() + ": " + r.error().message);
  const flow f = push_packets(packets);
  encoder_.close();
  reopen_ = info_.has_value();
  return f;
}

flow avenc::chain(pad&, buffer&& b) {
  std::lock_guard lock(encoder_mutex_);
  if (!info_) return fail_flow(errc::not_negotiated, name() + " received a frame before caps", flow::not_negotiated);
  if (reopen_ || !encoder_.is_open()) {
    if (auto r = configure(sinkpad_->current_caps()); !r)
      return fail_flow(errc::not_negotiated, r.error().message, flow::not_negotiated);
  }
  const bool force = force_key_.exchange(false, std::memory_order_relaxed);
  std::vector<av_packet_out> packets;
  if (auto r = encoder_.encode(b, force, packets); !r)
    return fail_flow(errc::invalid_argument, name() + ": " + r.error().message);
  const auto period = info_->frame_duration();
  note_delay(packets.size(), period ? period->count() : b.duration);
  return push_packets(packets);
}

bool avenc::event(pad& p, core::event ev) {
  if (&p == srcpad_) {
    if (ev.is<event_force_key_unit>()) {
      force_key_.store(true, std::memory_order_relaxed);
      forced_.fetch_add(1, std::memory_order_relaxed);
      return true;  // answered here: an encoder is where key frames are made
    }
    return element::event(p, std::move(ev));
  }
  if (auto* c = ev.get<event_caps>()) {
    if (!accept_caps(p, c->caps)) {
      post_error(errc::not_negotiated, name() + " does not accept caps " + c->caps.to_string());
      return false;
    }
    if (info_ && sinkpad_->has_current_caps() && sinkpad_->current_caps().is_equal(c->caps)) return true;
    std::lock_guard lock(encoder_mutex_);
    if (drain() != flow::ok) return false;
    p.set_current_caps(c->caps);
    if (auto r = configure(c->caps); !r) {
      post_error(errc::not_negotiated, r.error().message);
      return false;
    }
    return true;
  }
  if (ev.is<event_eos>()) {
    std::lock_guard lock(encoder_mutex_);
    (void)drain();  // what the encoder held goes out before the end
  } else if (ev.is<event_flush_stop>()) {
    std::lock_guard lock(encoder_mutex_);
    encoder_.close();  // drop what it held; reopened at the next frame
    reopen_ = info_.has_value();
    discont_ = true;
  }
  return element::event(p, std::move(ev));
}

}  // namespace tessera::core

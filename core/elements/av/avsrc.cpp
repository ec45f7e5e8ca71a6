#include "core/elements/av/avsrc.hpp"

#include "core/elements/av/av_error.hpp"
#include "core/elements/av/av_frame_memory.hpp"
#include "core/elements/av/av_pixel_formats.hpp"
#include "core/graph/element_factory.hpp"
#include "core/graph/pipeline.hpp"
#include "core/support/confined_path.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavdevice/avdevice.h>
#include <libavutil/frame.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstring>

#include <fcntl.h>

namespace tessera::core {

using namespace av_pixel_formats;

namespace {

constexpr const char* avsrc_template =
    "video/x-raw,format={I420,NV12,RGBA,RGB,GRAY8},width=[1,2147483647],height=[1,2147483647],"
    "framerate=[0/1,2147483647/1];audio/x-raw,format={S16LE,F32LE},rate=[1,2147483647],"
    "channels=[1,2147483647],layout=interleaved";

constexpr std::int64_t media_video = 0;
constexpr std::int64_t media_audio = 1;

// A URI is allowed when it starts with an allowed prefix that ends at a boundary of
// the URI: the prefix ends with '/', or the URI goes on with '/', ':', '?' or '#' (a
// path, a port, a query) or ends there. So "rtsp://cam1" does not allow
// "rtsp://cam1.evil.example/" nor "rtsp://cam1@evil.example/".
bool prefix_allows(const std::string& prefix, const std::string& uri) {
  if (prefix.empty() || !uri.starts_with(prefix)) return false;
  if (prefix.back() == '/' || uri.size() == prefix.size()) return true;
  const char next = uri[prefix.size()];
  return next == '/' || next == ':' || next == '?' || next == '#';
}

clock_time period_of(fraction rate) {
  if (rate.num() <= 0) return 0;
  return static_cast<clock_time>(ns_per_second * static_cast<std::int64_t>(rate.den()) / rate.num());
}

}  // namespace

std::unique_ptr<element_factory> avsrc::factory() {
  return make_factory<avsrc>(
      "avsrc", "FFmpeg source", "Source/Video/Audio",
      "Demuxes and decodes one stream of a file, network stream or device with FFmpeg",
      {pad_template{"src", pad_direction::src, pad_presence::always, caps::parse(avsrc_template).value()}},
      {string_property("location", "File to read (relative to the media root when one is set)", "",
                       mutability::ready),
       string_property("uri", "Network URI (rtsp://, http(s)://, udp://, srt://; allowed by --allow-uri) or file://",
                       "", mutability::ready),
       string_property("device", "V4L2 device path (/dev/video0; allowed by --allow-device)", "", mutability::ready),
       enum_property("media", "Which stream to decode", "video",
                     {{media_video, "video", "The best video stream"}, {media_audio, "audio", "The best audio stream"}}),
       bool_property("loop", "Start again at the end of a file", false),
       bool_property("is-live", "Produce only in PLAYING, stamped with the running time (forced for network and devices)",
                     false, mutability::ready),
       int_property("timeout", "Milliseconds one blocking read or open may take (network: then reconnect)", 10000, 100,
                    3600000, mutability::ready)});
}

avsrc::avsrc(const element_factory& f, std::string name)
    : base_src(f, std::move(name)),
      prop_location_(property_index("location")),
      prop_uri_(property_index("uri")),
      prop_device_(property_index("device")),
      prop_media_(property_index("media")),
      prop_loop_(property_index("loop")),
      prop_live_(property_index("is-live")),
      prop_timeout_(property_index("timeout")) {}

avsrc::~avsrc() {
  unlock();
  stop();
}

avsrc::input avsrc::chosen_input() const {
  input in;
  const std::string location = props().get_string(prop_location_);
  const std::string uri = props().get_string(prop_uri_);
  const std::string device = props().get_string(prop_device_);
  if (!location.empty()) {
    in = {input_kind::file, location};
  } else if (uri.starts_with("file://")) {
    in = {input_kind::file, uri.substr(7)};
  } else if (!uri.empty()) {
    in = {input_kind::network, uri};
  } else if (!device.empty()) {
    in = {input_kind::device, device};
  }
  return in;
}

bool avsrc::uri_allowed(const std::string& uri) const {
  if (!parent()) return true;  // no pipeline, no policy (unit tests building elements alone)
  const auto& prefixes = parent()->limits().allowed_uri_prefixes;
  return std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& p) { return prefix_allows(p, uri); });
}

result<void> avsrc::check_input(const input& in) const {
  switch (in.kind) {
    case input_kind::none:
      return fail(errc::invalid_argument, name() + ": no location, uri or device set (what to read)");
    case input_kind::file:
      if (parent())
        if (auto r = check_location(parent()->limits().media_root, in.target, true); !r)
          return error(r.error().code, name() + ": " + r.error().message);
      return {};
    case input_kind::network:
      if (!uri_allowed(in.target))
        return fail(errc::permission_denied,
                    name() + ": uri \"" + in.target + "\" is not allowed: the server opens only URIs under a prefix "
                    "given with --allow-uri");
      return {};
    case input_kind::device: {
      const bool ok = !parent() || std::ranges::find(parent()->limits().allowed_devices, in.target) !=
                                       parent()->limits().allowed_devices.end();
      if (!ok)
        return fail(errc::permission_denied, name() + ": device \"" + in.target +
                                                 "\" is not allowed: the server opens only devices given with --allow-device");
      return {};
    }
  }
  return {};
}

result<void> avsrc::check_property(std::size_t index, const property_value& v) const {
  if (index != prop_location_ && index != prop_uri_ && index != prop_device_) return {};
  const std::string text = std::get<std::string>(v);
  if (text.empty()) return {};
  input in;
  if (index == prop_location_) in = {input_kind::file, text};
  else if (index == prop_device_) in = {input_kind::device, text};
  else if (text.starts_with("file://")) in = {input_kind::file, text.substr(7)};
  else in = {input_kind::network, text};
  return check_input(in);
}

result<std::unique_ptr<avsrc_demuxer>> avsrc::open_input(const input& in) {
  avsrc_open_options opts;
  opts.media = props().get_enum(prop_media_) == media_audio ? av_media::audio : av_media::video;
  opts.io_timeout = std::chrono::milliseconds(props().get_int(prop_timeout_));
  opts.live = in.kind != input_kind::file;
  result<std::unique_ptr<avsrc_demuxer>> d = fail(errc::bad_state, "");
  if (in.kind == input_kind::file) {
    const std::optional<std::filesystem::path> root = parent() ? parent()->limits().media_root : std::nullopt;
    auto fd = open_location(root, in.target, open_request{O_RDONLY | O_NONBLOCK, 0, true});
    if (!fd) return error(fd.error().code, name() + ": " + fd.error().message);
    d = avsrc_demuxer::open_fd(std::move(fd).value(), in.target, opts);
  } else if (in.kind == input_kind::network) {
    opts.allowed = [this](const std::string& url) { return uri_allowed(url); };
    d = avsrc_demuxer::open_url(in.target, opts);
  } else {
    static std::once_flag devices_registered;
    std::call_once(devices_registered, [] { avdevice_register_all(); });
    opts.format = "v4l2";
    opts.allowed = [target = in.target](const std::string& url) { return url == target; };
    d = avsrc_demuxer::open_url(in.target, opts);
  }
  if (!d) return error(d.error().code, name() + ": " + d.error().message);
  return d;
}

void avsrc::set_demuxer(std::unique_ptr<avsrc_demuxer> d) {
  std::lock_guard lock(interrupt_mutex_);
  demux_ = std::move(d);
  demux_raw_ = demux_.get();
  if (demux_raw_ && unlocked_) demux_raw_->interrupt();
}

result<void> avsrc::start() {
  const input in = chosen_input();
  if (auto r = check_input(in); !r) return r;
  live_.store(in.kind != input_kind::file || props().get_bool(prop_live_), std::memory_order_relaxed);
  auto d = open_input(in);
  if (!d) return d.error();
  std::lock_guard lock(mutex_);
  input_ = in;
  if (!frame_) frame_ = av_frame_alloc();
  if (!frame_) return fail(errc::no_memory, name() + ": out of memory for a frame");
  pending_ = false;
  loop_offset_ = 0;
  last_end_ = 0;
  discont_ = true;
  current_caps_ = caps();
  seekable_.store(in.kind == input_kind::file && (*d)->seekable(), std::memory_order_release);
  duration_.store(in.kind == input_kind::file && (*d)->duration() ? *(*d)->duration() : time_none);
  frame_period_.store(period_of((*d)->framerate()), std::memory_order_relaxed);
  {
    const AVCodecContext* c = (*d)->codec();
    std::lock_guard caps_lock(caps_mutex_);
    forced_format_ = -1;
    if (c->codec_type == AVMEDIA_TYPE_VIDEO) {
      structure s = structure::make("video/x-raw").value();
      const char* fmt = caps_format_name(c->pix_fmt);
      (void)s.set("format", std::string(fmt ? fmt : "I420"));
      (void)s.set("width", static_cast<std::int64_t>(c->width));
      (void)s.set("height", static_cast<std::int64_t>(c->height));
      (void)s.set("framerate", (*d)->framerate());
      fraction par(1);
      if (c->sample_aspect_ratio.num > 0 && c->sample_aspect_ratio.den > 0)
        if (auto p = fraction::make(c->sample_aspect_ratio.num, c->sample_aspect_ratio.den)) par = *p;
      (void)s.set("pixel-aspect-ratio", par);
      (void)s.set("layout", std::string("linear"));  // as video_caps says, see there
      stream_caps_ = caps(std::move(s));
    } else {
      structure s = structure::make("audio/x-raw").value();
      const bool s16 = c->sample_fmt == AV_SAMPLE_FMT_S16 || c->sample_fmt == AV_SAMPLE_FMT_S16P;
      (void)s.set("format", std::string(s16 ? "S16LE" : "F32LE"));
      (void)s.set("rate", static_cast<std::int64_t>(c->sample_rate));
      (void)s.set("channels", static_cast<std::int64_t>(c->ch_layout.nb_channels));
      (void)s.set("layout", std::string("interleaved"));
      stream_caps_ = caps(std::move(s));
    }
  }
  {
    std::lock_guard il(interrupt_mutex_);
    eos_requested_ = false;
  }
  set_demuxer(std::move(d).value());
  return {};
}

void avsrc::stop() {
  std::lock_guard lock(mutex_);
  set_demuxer(nullptr);
  av_frame_free(&frame_);
  av_frame_free(&converted_);
  shown_ = nullptr;
  sws_freeContext(sws_);
  sws_ = nullptr;
  pending_ = false;
  seekable_.store(false, std::memory_order_release);
}

void avsrc::unlock() {
  std::lock_guard lock(interrupt_mutex_);
  unlocked_ = true;
  if (demux_raw_) demux_raw_->interrupt();
  unlocked_cv_.notify_all();
}

bool avsrc::send_event(core::event ev) {
  if (ev.is<event_eos>()) {
    std::lock_guard lock(interrupt_mutex_);
    eos_requested_ = true;
    if (demux_raw_) demux_raw_->interrupt();
    unlocked_cv_.notify_all();
  }
  return base_src::send_event(std::move(ev));
}

void avsrc::unlock_stop() {
  std::lock_guard lock(interrupt_mutex_);
  unlocked_ = false;
  if (demux_raw_) demux_raw_->resume();
}

std::optional<clock_time> avsrc::time_duration() const {
  const clock_time d = duration_.load(std::memory_order_relaxed);
  if (!is_valid_time(d)) return std::nullopt;
  return d;
}

clock_time avsrc::live_latency(const caps& c) const {
  const structure* s = c.structure_at(0);
  if (s && s->has_name("video/x-raw")) {
    if (auto fr = s->get_fraction("framerate"); fr && fr->num() > 0) return period_of(*fr);
  }
  return frame_period_.load(std::memory_order_relaxed);
}

result<caps> avsrc::fixate_caps(const caps& allowed) {
  std::lock_guard lock(caps_mutex_);
  if (stream_caps_.is_empty()) return fail(errc::bad_state, "no stream open");
  if (!allowed.intersect(stream_caps_).is_empty()) {
    forced_format_ = -1;
    return stream_caps_;
  }
  const structure& want = *stream_caps_.structure_at(0);
  if (want.has_name("video/x-raw")) {
    // Downstream refuses the decoded format: convert to the first of ours it takes.
    for (const auto& f : our_formats) {
      structure s = want;
      (void)s.set("format", std::string(f.caps));
      caps c(std::move(s));
      if (!allowed.intersect(c).is_empty()) {
        forced_format_ = f.av;
        return c;
      }
    }
  }
  return fail(errc::not_negotiated, "downstream accepts none of " + stream_caps_.to_string());
}

result<void> avsrc::check_seek(const seek_request& r) const {
  if (r.start < 0) return fail(errc::invalid_argument, "cannot seek to a negative position");
  return {};
}

bool avsrc::do_seek(core::segment& seg) {
  std::lock_guard lock(mutex_);
  if (!demux_) return false;
  const clock_time target = seg.start;
  const bool key_unit = has(current_seek_flags(), seek_flags::key_unit) &&
                        !has(current_seek_flags(), seek_flags::accurate);
  // The keyframe at or before the target; a demuxer without an index (MPEG-TS) may
  // land after it: go back further until the first frame is not after the target.
  clock_time back = 0;
  for (int attempt = 0; attempt < 6; ++attempt) {
    if (auto r = demux_->seek(std::max<clock_time>(0, target - back)); !r) {
      post_warning(name() + ": " + r.error().message);
      return false;
    }
    pending_ = false;
    auto got = demux_->next_frame(frame_);
    if (!got) {
      post_warning(name() + ": " + got.error().message);
      return false;
    }
    if (!*got) break;  // past the end: EOS at once
    pending_ = true;
    const clock_time pts = demux_->frame_pts(*frame_);
    if (!is_valid_time(pts) || pts <= target || target - back <= 0) break;
    back = back == 0 ? 500'000'000 : back * 2;
  }
  if (key_unit && pending_) {
    const clock_time pts = demux_->frame_pts(*frame_);
    if (is_valid_time(pts) && pts < seg.start) {
      seg.start = std::max<clock_time>(0, pts);
      seg.time = seg.start;
      seg.position = seg.start;
    }
  }
  loop_offset_ = 0;
  discont_ = true;
  return true;
}

bool avsrc::wait_backoff(std::chrono::milliseconds d) {
  std::unique_lock lock(interrupt_mutex_);
  return !unlocked_cv_.wait_for(lock, d, [this] { return unlocked_ || eos_requested_; });
}

flow avsrc::reconnect(const std::string& why) {
  post_warning(name() + ": lost \"" + input_.target + "\" (" + why + "); reconnecting");
  // Closed first: the new connection may need what the old one holds (a UDP port).
  set_demuxer(nullptr);
  std::chrono::milliseconds backoff(250);
  for (;;) {
    if (!wait_backoff(backoff)) {
      std::lock_guard lock(interrupt_mutex_);
      return eos_requested_ && !unlocked_ ? flow::eos : flow::flushing;
    }
    auto d = open_input(input_);
    if (d) {
      set_demuxer(std::move(d).value());
      discont_ = true;
      post_warning(name() + ": reconnected to \"" + input_.target + "\"");
      return flow::ok;
    }
    {
      std::lock_guard lock(interrupt_mutex_);
      if (unlocked_) return flow::flushing;
      if (eos_requested_) return flow::eos;
    }
    spdlog::debug("{}: reconnecting failed: {}", name(), d.error().message);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(8000));
  }
}

result<bool> avsrc::decode_next() {
  if (pending_) {
    pending_ = false;
    return true;
  }
  return demux_->next_frame(frame_);
}

flow avsrc::make_buffer(buffer& out) {
  const bool video = demux_->codec()->codec_type == AVMEDIA_TYPE_VIDEO;
  auto b = video ? video_buffer(*frame_) : audio_buffer(*frame_);
  if (!b) return fail_flow(b.error().code == make_error_code(errc::no_memory) ? errc::no_memory : errc::invalid_argument,
                           name() + ": \"" + input_.target + "\": " + b.error().message);
  out = std::move(b).value();
  return flow::ok;
}

flow avsrc::create(buffer& out) {
  caps new_caps;
  {
    std::lock_guard lock(mutex_);
    if (!demux_ && input_.kind != input_kind::file) {
      // A reconnection was cut short by a flush or a pause: take it up again.
      if (const flow f = reconnect("not connected"); f != flow::ok) return f;
    }
    if (!demux_) return fail_flow(errc::bad_state, name() + ": no input open");
    const core::segment seg = current_segment();
    for (;;) {
      auto got = decode_next();
      if (auto w = demux_->take_warning()) post_warning(name() + ": " + *w);
      if (!got) {
        {
          std::lock_guard il(interrupt_mutex_);
          if (unlocked_) return flow::flushing;
          if (eos_requested_) return flow::eos;
        }
        if (input_.kind != input_kind::file && got.error().code != make_error_code(errc::invalid_argument)) {
          if (const flow f = reconnect(got.error().message); f != flow::ok) return f;
          continue;
        }
        return fail_flow(got.error().code == make_error_code(errc::not_found) ? errc::not_found
                         : got.error().code == make_error_code(errc::invalid_argument) ? errc::invalid_argument
                                                                                        : errc::io_error,
                         name() + ": " + got.error().message);
      }
      if (!*got) {
        if (input_.kind == input_kind::file && props().get_bool(prop_loop_) && seekable_.load() && last_end_ > 0) {
          if (auto r = demux_->seek(0); !r) return fail_flow(errc::io_error, name() + ": " + r.error().message);
          loop_offset_ += last_end_;
          last_end_ = 0;
          discont_ = true;
          continue;
        }
        return flow::eos;
      }
      const clock_time pts = demux_->frame_pts(*frame_);
      const clock_time dur = demux_->frame_duration(*frame_);
      if (input_.kind == input_kind::file && is_valid_time(pts) && loop_offset_ == 0) {
        // Before the segment (an accurate seek decodes from the keyframe before it):
        // dropped, as ffmpeg -ss drops them.
        const clock_time end = is_valid_time(dur) ? pts + dur : pts;
        if (pts < seg.start && end <= seg.start) continue;
        if (is_valid_time(seg.stop) && pts >= seg.stop) return flow::eos;
      }
      if (const flow f = make_buffer(out); f != flow::ok) return f;
      if (input_.kind != input_kind::file) {
        // Network and devices: stamped with the running time of arrival (their own
        // clock is not ours). A file played live keeps its pts, paced by base_src.
        const clock_time now = running_time_now();
        out.pts = is_valid_time(now) ? now : pts;
      } else {
        out.pts = is_valid_time(pts) ? pts + loop_offset_ : time_none;
        if (is_valid_time(pts)) last_end_ = std::max(last_end_, pts + (is_valid_time(dur) ? dur : 0));
      }
      out.duration = is_valid_time(dur) ? dur : clock_none;
      if (discont_) {
        out.flags = out.flags | buffer_flags::discont;
        discont_ = false;
      }
      if (is_live()) out.flags = out.flags | buffer_flags::live;
      auto c = demux_->codec()->codec_type == AVMEDIA_TYPE_VIDEO ? video_caps()
                                                                 : audio_caps(*frame_);
      if (!c) return fail_flow(errc::invalid_argument, name() + ": " + c.error().message);
      if (*c != current_caps_) {
        current_caps_ = *c;
        new_caps = std::move(c).value();
      }
      break;
    }
  }
  // Outside mutex_: downstream may query us while it takes the caps.
  if (!new_caps.is_empty()) {
    if (auto r = renegotiate_to(new_caps); !r) return fail_flow(errc::not_negotiated, r.error().message);
  }
  return flow::ok;
}

}  // namespace tessera::core

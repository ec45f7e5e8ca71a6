#include "core/elements/audio/audiotestsrc.hpp"

#include "core/elements/audio/audio_samples.hpp"
#include "core/graph/element_factory.hpp"
#include "core/graph/pipeline.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>

namespace tessera::core {

namespace {

constexpr const char* audiotestsrc_template = "audio/x-raw,format={S16LE,F32LE},rate=[1,2147483647],channels=[1,65535]";

}  // namespace

std::unique_ptr<element_factory> audiotestsrc::factory() {
  std::vector<enum_entry> waves = {{wave_sine, "sine", "Sine"},
                                   {wave_square, "square", "Square"},
                                   {wave_silence, "silence", "Silence"}};
  return make_factory<audiotestsrc>(
      "audiotestsrc", "Audio test source", "Source/Audio", "Produces audio test signals",
      {pad_template{"src", pad_direction::src, pad_presence::always, caps::parse(audiotestsrc_template).value()}},
      {enum_property("wave", "Waveform", "sine", std::move(waves)),
       double_property("freq", "Frequency of the wave, Hz", 440.0, 0.0, 20000.0),
       double_property("volume", "Amplitude of the wave (1: full scale)", 0.8, 0.0, 1.0),
       int_property("samplesperbuffer", "Frames (samples per channel) in each buffer", 1024, 1,
                    int_property_max, mutability::paused),
       int_property("num-buffers", "Buffers to produce before EOS (-1: unlimited)", -1, -1,
                    std::numeric_limits<std::int64_t>::max(), mutability::ready),
       bool_property("is-live", "Produce only in PLAYING, each buffer at its clock time", false, mutability::ready)});
}

audiotestsrc::audiotestsrc(const element_factory& f, std::string name)
    : base_src(f, std::move(name)),
      prop_wave_(property_index("wave")),
      prop_freq_(property_index("freq")),
      prop_volume_(property_index("volume")),
      prop_samples_(property_index("samplesperbuffer")),
      prop_num_buffers_(property_index("num-buffers")),
      prop_is_live_(property_index("is-live")) {}

result<caps> audiotestsrc::fixate_caps(const caps& allowed) {
  for (const structure& candidate : allowed.structures()) {
    if (!candidate.has_name("audio/x-raw")) continue;
    structure s = candidate;
    if (!s.has_field("format")) (void)s.set("format", "S16LE");
    s.fixate_field_string("format", "S16LE");
    if (!s.has_field("rate")) (void)s.set("rate", 44100);
    s.fixate_field_nearest_int("rate", 44100);
    if (!s.has_field("channels")) (void)s.set("channels", 1);
    s.fixate_field_nearest_int("channels", 1);
    s.fixate();
    return caps(std::move(s));
  }
  return fail(errc::not_negotiated, "downstream allows no raw audio (" + allowed.to_string() + ")");
}

result<void> audiotestsrc::check_buffer_bytes(const audio_info& info) const {
  const auto frames = static_cast<std::uint64_t>(props().get_int(prop_samples_));
  const std::uint64_t bytes = frames * info.bytes_per_frame();
  result<void> r;
  if (const pipeline* p = parent()) {
    r = p->check_buffer_bytes(bytes);
  } else if (const std::uint64_t max = pipeline_limits{}.max_buffer_bytes; bytes > max) {
    // Not in a pipeline (a unit test driving pads): the default limits apply.
    r = fail(errc::limit_exceeded, std::to_string(bytes) + "-byte buffers exceed the limit of " +
                                       std::to_string(max) + " bytes per buffer");
  }
  if (!r) {
    return fail(errc::limit_exceeded, name() + ": samplesperbuffer=" + std::to_string(frames) + " of " +
                                          std::to_string(info.bytes_per_frame()) + "-byte frames: " +
                                          r.error().message);
  }
  return {};
}

result<void> audiotestsrc::set_caps(const caps& c) {
  auto info = audio_info::from_caps(c);
  if (!info) return fail(errc::not_negotiated, name() + ": " + info.error().message);
  if (auto ok = check_buffer_bytes(*info); !ok) return ok;
  negotiated_rate_.store(info->rate());
  if (info_ && info_->rate() != info->rate()) {
    // Keep the position in time across a rate change.
    const clock_time now = sample_time(next_sample_);
    info_ = *info;
    next_sample_ = first_sample_at(now);
    return {};
  }
  info_ = *info;
  return {};
}

result<void> audiotestsrc::start() {
  info_.reset();
  next_sample_ = 0;
  seek_time_ = time_none;
  stop_time_ = time_none;
  negotiated_rate_.store(0);
  discont_ = true;
  return {};
}

clock_time audiotestsrc::sample_time(std::uint64_t n) const noexcept {
  return info_ ? scale_int(static_cast<std::int64_t>(n), ns_per_second, info_->rate()) : 0;
}

std::uint64_t audiotestsrc::first_sample_at(clock_time t) const noexcept {
  if (!info_ || t <= 0) return 0;
  // ceil(t * rate / 1e9): the first sample whose time is not before t.
  const std::int64_t rate = info_->rate();
  return static_cast<std::uint64_t>(scale_int(t, rate, ns_per_second) +
                                    (static_cast<int128>(t) * rate % ns_per_second != 0 ? 1 : 0));
}

clock_time audiotestsrc::live_latency(const caps& c) const {
  const structure* s = c.structure_at(0);
  const std::int64_t rate = s && s->get_int("rate") ? *s->get_int("rate") : 44100;
  if (rate <= 0) return 0;
  return scale_int(props().get_int(prop_samples_), ns_per_second, rate);
}

std::optional<std::uint64_t> audiotestsrc::end_sample() const {
  const std::int64_t limit = props().get_int(prop_num_buffers_);
  if (limit < 0) return std::nullopt;
  return static_cast<std::uint64_t>(limit) * static_cast<std::uint64_t>(props().get_int(prop_samples_));
}

std::optional<clock_time> audiotestsrc::time_duration() const {
  const auto end = end_sample();
  const std::int64_t rate = negotiated_rate_.load();
  if (!end || rate <= 0) return std::nullopt;
  return scale_int(static_cast<std::int64_t>(*end), ns_per_second, rate);
}

bool audiotestsrc::do_seek(core::segment& seg) {
  if (seg.format != seek_format::time || seg.rate <= 0) return false;
  // The rate may not be negotiated yet: the sample number is found at the next buffer.
  seek_time_ = seg.start;
  stop_time_ = seg.stop;
  discont_ = true;
  return true;
}

void audiotestsrc::fill(std::byte* data, std::uint64_t first, std::size_t frames) const {
  const auto w = static_cast<wave>(props().get_enum(prop_wave_));
  const double freq = props().get_double(prop_freq_);
  const double volume = props().get_double(prop_volume_);
  const double rate = info_->rate();
  const auto channels = static_cast<std::size_t>(info_->channels());
  const bool s16 = info_->format() == audio_format::s16le;
  if (w == wave_silence) {
    std::memset(data, 0, frames * info_->bytes_per_frame());
    return;
  }
  auto* out16 = reinterpret_cast<std::int16_t*>(data);
  auto* out32 = reinterpret_cast<float*>(data);
  const double amp = s16 ? volume * 32767.0 : volume;
  for (std::size_t i = 0; i < frames; ++i) {
    // The phase from the sample number itself: exact however far into the stream.
    const double cycles = freq * static_cast<double>(first + i);
    const double phase = std::fmod(cycles, rate) / rate;  // [0, 1)
    const double v = w == wave_square ? (phase < 0.5 ? amp : -amp)
                                      : amp * std::sin(2.0 * std::numbers::pi * phase);
    if (s16) {
      const std::int16_t s = audio_samples::saturate_s16(v);
      for (std::size_t c = 0; c < channels; ++c) out16[i * channels + c] = s;
    } else {
      const auto f = static_cast<float>(v);
      for (std::size_t c = 0; c < channels; ++c) out32[i * channels + c] = f;
    }
  }
}

flow audiotestsrc::create(buffer& out) {
  if (!info_) return fail_flow(errc::not_negotiated, name() + ": no caps were negotiated", flow::not_negotiated);
  if (is_valid_time(seek_time_)) {
    next_sample_ = first_sample_at(seek_time_);
    seek_time_ = time_none;
  }
  auto frames = static_cast<std::uint64_t>(props().get_int(prop_samples_));
  if (const auto end = end_sample()) {
    if (next_sample_ >= *end) return flow::eos;
    frames = std::min(frames, *end - next_sample_);
  }
  if (is_valid_time(stop_time_)) {
    const std::uint64_t stop_sample = first_sample_at(stop_time_);
    if (next_sample_ >= stop_sample) return flow::eos;
    frames = std::min(frames, stop_sample - next_sample_);
  }
  // samplesperbuffer may have grown in PAUSED since the caps were set.
  if (auto ok = check_buffer_bytes(*info_); !ok) return fail_flow(errc::limit_exceeded, ok.error().message);
  const std::size_t bytes = static_cast<std::size_t>(frames) * info_->bytes_per_frame();
  auto b = buffer::allocate(bytes);
  if (!b) return fail_flow(errc::no_memory, name() + ": " + b.error().message);
  out = std::move(b).value();
  {
    auto map = out.map(map_access::write);
    if (!map) return fail_flow(errc::invalid_argument, name() + ": cannot map a buffer: " + map.error().message);
    fill(map->data(), next_sample_, static_cast<std::size_t>(frames));
  }
  out.pts = sample_time(next_sample_);
  out.dts = out.pts;
  out.duration = sample_time(next_sample_ + frames) - out.pts;
  out.offset = next_sample_;
  out.offset_end = next_sample_ + frames;
  out.flags = discont_ ? buffer_flags::discont : buffer_flags::none;
  if (is_live()) out.flags = out.flags | buffer_flags::live;
  discont_ = false;
  next_sample_ += frames;
  return flow::ok;
}

}  // namespace tessera::core

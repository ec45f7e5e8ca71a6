#include "core/elements/audio/audioconvert.hpp"

#include "core/elements/audio/audio_samples.hpp"
#include "core/graph/element_factory.hpp"

#include <type_traits>

namespace tessera::core {

namespace {

// --- kernels: one plain loop per (input type, output type, channel mapping) ---

template <class In>
inline float load(In v) noexcept {
  if constexpr (std::is_same_v<In, std::int16_t>) return audio_samples::f32_from_s16(v);
  else return v;
}

template <class Out>
inline Out store(float v) noexcept {
  if constexpr (std::is_same_v<Out, std::int16_t>) return audio_samples::s16_from_f32(v);
  else return v;
}

template <class In, class Out>
void convert_same(const In* __restrict src, Out* __restrict dst, std::size_t samples) noexcept {
  for (std::size_t i = 0; i < samples; ++i) dst[i] = store<Out>(load(src[i]));
}

template <class In, class Out>
void mono_to_stereo(const In* __restrict src, Out* __restrict dst, std::size_t frames) noexcept {
  for (std::size_t i = 0; i < frames; ++i) {
    const Out v = store<Out>(load(src[i]));
    dst[2 * i] = v;
    dst[2 * i + 1] = v;
  }
}

template <class In, class Out>
void stereo_to_mono(const In* __restrict src, Out* __restrict dst, std::size_t frames) noexcept {
  for (std::size_t i = 0; i < frames; ++i) dst[i] = store<Out>((load(src[2 * i]) + load(src[2 * i + 1])) * 0.5f);
}

template <class In, class Out>
void convert_frames(const std::byte* src, int in_channels, std::byte* dst, int out_channels, std::size_t frames) noexcept {
  const auto* s = reinterpret_cast<const In*>(src);
  auto* d = reinterpret_cast<Out*>(dst);
  if (in_channels == out_channels) convert_same(s, d, frames * static_cast<std::size_t>(in_channels));
  else if (in_channels == 1) mono_to_stereo(s, d, frames);
  else stereo_to_mono(s, d, frames);
}

/// `v` and, for 1 or 2, the other of the two, as a caps value (the input's first).
value channel_choices(std::int64_t c) {
  if (c != 1 && c != 2) return value(c);
  return value::make_list({value(c), value(3 - c)}).value();
}

}  // namespace

caps audioconvert::template_caps() {
  return caps::parse("audio/x-raw,format={S16LE,F32LE},rate=[1,2147483647],channels=[1,65535]").value();
}

std::unique_ptr<element_factory> audioconvert::factory() {
  return make_factory<audioconvert>("audioconvert", "Audio converter", "Filter/Converter/Audio",
                                    "Converts raw audio between S16LE and F32LE, mono and stereo",
                                    {pad_template{"sink", pad_direction::sink, pad_presence::always, template_caps()},
                                     pad_template{"src", pad_direction::src, pad_presence::always, template_caps()}},
                                    {base_transform::qos_property(false)});
}

audioconvert::audioconvert(const element_factory& f, std::string name) : base_transform(f, std::move(name)) {
  set_passthrough_on_same_caps(true);
}

caps audioconvert::transform_caps(pad_direction, const caps& c) {
  if (c.is_any() || c.is_empty()) return c;
  caps out;
  for (const structure& s : c.structures()) {
    if (!s.has_name("audio/x-raw")) continue;
    structure t = s;
    const auto format = s.get_string("format");
    const bool f32_first = format && *format == "F32LE";
    (void)t.set("format", value::make_list({value(f32_first ? "F32LE" : "S16LE"), value(f32_first ? "S16LE" : "F32LE")})
                              .value());
    if (auto ch = s.get_int("channels")) (void)t.set("channels", channel_choices(*ch));
    out.merge(std::move(t));
  }
  return out;
}

result<caps> audioconvert::fixate_caps(pad_direction, const caps& c, const caps& othercaps) {
  const structure* in = c.structure_at(0);
  for (const structure& candidate : othercaps.structures()) {
    if (!candidate.has_name("audio/x-raw")) continue;
    structure s = candidate;
    if (in) {
      if (auto f = in->get_string("format")) s.fixate_field_string("format", *f);
      if (auto ch = in->get_int("channels")) s.fixate_field_nearest_int("channels", *ch);
      if (auto r = in->get_int("rate")) s.fixate_field_nearest_int("rate", *r);
    }
    s.fixate();
    return caps(std::move(s));
  }
  return fail(errc::not_negotiated, name() + ": no raw audio in " + othercaps.to_string());
}

result<void> audioconvert::set_caps(const caps& in, const caps& out) {
  auto i = audio_info::from_caps(in);
  if (!i) return fail(errc::not_negotiated, name() + ": input " + i.error().message);
  auto o = audio_info::from_caps(out);
  if (!o) return fail(errc::not_negotiated, name() + ": output " + o.error().message);
  if (i->rate() != o->rate())
    return fail(errc::not_negotiated, name() + " does not resample: " + std::to_string(i->rate()) + " Hz in, " +
                                          std::to_string(o->rate()) + " Hz out");
  const bool mix = i->channels() != o->channels();
  if (mix && !((i->channels() == 1 && o->channels() == 2) || (i->channels() == 2 && o->channels() == 1)))
    return fail(errc::not_negotiated, name() + " converts between 1 and 2 channels only, not " +
                                          std::to_string(i->channels()) + " to " + std::to_string(o->channels()));
  in_info_ = *i;
  out_info_ = *o;
  return {};
}

std::optional<std::size_t> audioconvert::get_unit_size(const caps& c) {
  auto info = audio_info::from_caps(c);
  if (!info) return std::nullopt;
  return info->bytes_per_frame();
}

flow audioconvert::transform(const buffer& in, buffer& out) {
  if (!in_info_ || !out_info_)
    return fail_flow(errc::not_negotiated, name() + " received audio before caps", flow::not_negotiated);
  buffer src = in.share();
  auto src_map = src.map(map_access::read);
  auto dst_map = out.map(map_access::write);
  if (!src_map || !dst_map) return fail_flow(errc::invalid_argument, name() + ": cannot map buffers for conversion");
  const std::size_t frames = src_map->size() / in_info_->bytes_per_frame();
  if (dst_map->size() < frames * out_info_->bytes_per_frame())
    return fail_flow(errc::invalid_argument, name() + ": output buffer of " + std::to_string(dst_map->size()) +
                                                 " bytes is too small for " + std::to_string(frames) + " frames");
  const int ic = in_info_->channels(), oc = out_info_->channels();
  const bool in16 = in_info_->format() == audio_format::s16le;
  const bool out16 = out_info_->format() == audio_format::s16le;
  const std::byte* s = src_map->data();
  std::byte* d = dst_map->data();
  if (in16 && out16) convert_frames<std::int16_t, std::int16_t>(s, ic, d, oc, frames);
  else if (in16) convert_frames<std::int16_t, float>(s, ic, d, oc, frames);
  else if (out16) convert_frames<float, std::int16_t>(s, ic, d, oc, frames);
  else convert_frames<float, float>(s, ic, d, oc, frames);
  return flow::ok;
}

}  // namespace tessera::core

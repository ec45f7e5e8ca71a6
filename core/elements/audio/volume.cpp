#include "core/elements/audio/volume.hpp"

#include "core/elements/audio/audio_samples.hpp"
#include "core/elements/audio/audioconvert.hpp"
#include "core/graph/element_factory.hpp"

namespace tessera::core {

std::unique_ptr<element_factory> volume::factory() {
  const caps audio = audioconvert::template_caps();
  return make_factory<volume>("volume", "Volume", "Filter/Effect/Audio", "Scales raw audio samples in place",
                              {pad_template{"sink", pad_direction::sink, pad_presence::always, audio},
                               pad_template{"src", pad_direction::src, pad_presence::always, audio}},
                              {double_property("volume", "Gain factor (1: unchanged)", 1.0, 0.0, 10.0),
                               bool_property("mute", "Silence the audio", false),
                               base_transform::qos_property(false)});
}

volume::volume(const element_factory& f, std::string name)
    : base_transform(f, std::move(name)), prop_volume_(property_index("volume")), prop_mute_(property_index("mute")) {
  set_in_place(true);
  set_passthrough_on_same_caps(false);
}

result<void> volume::set_caps(const caps& in, const caps& out) {
  auto info = audio_info::from_caps(in);
  if (!info) return fail(errc::not_negotiated, name() + ": " + info.error().message);
  if (!in.is_equal(out)) return fail(errc::not_negotiated, name() + " cannot turn " + in.to_string() + " into " + out.to_string());
  info_ = *info;
  return {};
}

std::optional<std::size_t> volume::get_unit_size(const caps& c) {
  auto info = audio_info::from_caps(c);
  if (!info) return std::nullopt;
  return info->bytes_per_frame();
}

void volume::scale_s16(std::int16_t* samples, std::size_t count, double gain) noexcept {
  for (std::size_t i = 0; i < count; ++i) samples[i] = audio_samples::saturate_s16(static_cast<double>(samples[i]) * gain);
}

void volume::scale_f32(float* samples, std::size_t count, float gain) noexcept {
  for (std::size_t i = 0; i < count; ++i) samples[i] *= gain;
}

flow volume::transform_ip(buffer& b) {
  if (!info_) return fail_flow(errc::not_negotiated, name() + " received audio before caps", flow::not_negotiated);
  const double gain = props().get_bool(prop_mute_) ? 0.0 : props().get_double(prop_volume_);
  if (gain == 1.0) return flow::ok;
  auto map = b.map(map_access::readwrite);
  if (!map) return fail_flow(errc::not_writable, name() + ": cannot map audio for writing: " + map.error().message);
  const std::size_t count = map->size() / info_->bytes_per_sample();
  if (info_->format() == audio_format::s16le)
    scale_s16(reinterpret_cast<std::int16_t*>(map->data()), count, gain);
  else
    scale_f32(reinterpret_cast<float*>(map->data()), count, static_cast<float>(gain));
  return flow::ok;
}

}  // namespace tessera::core

#include "core/caps/audio_info.hpp"

#include "core/caps/caps_fields.hpp"

#include <limits>

namespace tessera::core {

namespace {
constexpr std::string_view media_type = "audio/x-raw";
constexpr std::int64_t max_channels = 65535;
}  // namespace

std::string_view to_string(audio_format f) noexcept {
  switch (f) {
    case audio_format::s16le: return "S16LE";
    case audio_format::f32le: return "F32LE";
  }
  return "unknown";
}

std::optional<audio_format> audio_format_from_string(std::string_view name) noexcept {
  if (name == "S16LE") return audio_format::s16le;
  if (name == "F32LE") return audio_format::f32le;
  return std::nullopt;
}

std::size_t bytes_per_sample(audio_format f) noexcept {
  switch (f) {
    case audio_format::s16le: return 2;
    case audio_format::f32le: return 4;
  }
  return 0;
}

result<audio_info> audio_info::make(audio_format format, std::int64_t rate,
                                    std::int64_t channels) {
  constexpr std::int64_t max_rate = std::numeric_limits<std::int32_t>::max();
  if (rate < 1 || rate > max_rate) {
    return fail(errc::invalid_argument, "audio rate " + std::to_string(rate) +
                                            " is out of range [1, " + std::to_string(max_rate) + "]");
  }
  if (channels < 1 || channels > max_channels) {
    return fail(errc::invalid_argument, "audio channels " + std::to_string(channels) +
                                            " is out of range [1, " +
                                            std::to_string(max_channels) + "]");
  }
  audio_info info;
  info.format_ = format;
  info.rate_ = static_cast<std::int32_t>(rate);
  info.channels_ = static_cast<std::int32_t>(channels);
  info.bytes_per_frame_ = core::bytes_per_sample(format) * static_cast<std::size_t>(channels);
  return info;
}

result<audio_info> audio_info::from_caps(const caps& c) {
  auto s = detail::single_structure(c, media_type);
  if (!s) return s.error();
  return from_structure(**s);
}

result<audio_info> audio_info::from_structure(const structure& s) {
  if (auto ok = detail::check_media_type(s, media_type); !ok) return ok.error();
  auto format_name = detail::fixed_string(s, "format");
  if (!format_name) return format_name.error();
  auto format = audio_format_from_string(*format_name);
  if (!format) {
    return fail(errc::invalid_argument,
                "audio/x-raw caps: format " + *format_name + " is not one of S16LE, F32LE");
  }
  auto rate = detail::fixed_int(s, "rate", 1, std::numeric_limits<std::int32_t>::max());
  if (!rate) return rate.error();
  auto channels = detail::fixed_int(s, "channels", 1, max_channels);
  if (!channels) return channels.error();
  return make(*format, *rate, *channels);
}

caps audio_info::to_caps() const {
  // The name and field names are constants known to be valid.
  structure s = structure::make(media_type).value();
  (void)s.set("format", std::string(to_string(format_)));
  (void)s.set("rate", static_cast<std::int64_t>(rate_));
  (void)s.set("channels", static_cast<std::int64_t>(channels_));
  return caps(std::move(s));
}

}  // namespace tessera::core

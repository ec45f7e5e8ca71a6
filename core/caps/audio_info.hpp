#pragma once
/// The layout of raw audio described by fixed `audio/x-raw` caps (GStreamer's
/// GstAudioInfo, reduced to tessera's formats; samples are interleaved).

#include "core/caps/caps.hpp"
#include "core/support/result.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tessera::core {

/// Sample formats of audio/x-raw; caps names "S16LE", "F32LE".
enum class audio_format : std::uint8_t { s16le, f32le };
std::string_view to_string(audio_format f) noexcept;
std::optional<audio_format> audio_format_from_string(std::string_view name) noexcept;
/// 2, 4.
std::size_t bytes_per_sample(audio_format f) noexcept;

/// Format, rate and channel count of interleaved raw audio, with the derived
/// frame size (one sample of every channel).
///
/// Built only through from_caps / from_structure / make. A plain value: copy
/// freely, const access from any thread.
class audio_info {
 public:
  /// From fixed audio/x-raw caps (one structure): format, rate and channels must
  /// be present and fixed; other fields are ignored. Errors (errc::invalid_argument)
  /// name the field: "audio/x-raw caps lack a fixed rate".
  static result<audio_info> from_caps(const caps& c);
  static result<audio_info> from_structure(const structure& s);
  /// rate in [1, 2147483647] Hz, channels in [1, 65535].
  static result<audio_info> make(audio_format format, std::int64_t rate, std::int64_t channels);

  audio_format format() const noexcept { return format_; }
  std::int32_t rate() const noexcept { return rate_; }          ///< frames per second (Hz)
  std::int32_t channels() const noexcept { return channels_; }
  std::size_t bytes_per_sample() const noexcept { return core::bytes_per_sample(format_); }
  std::size_t bytes_per_frame() const noexcept { return bytes_per_frame_; }  ///< all channels
  std::size_t bytes_per_second() const noexcept { return bytes_per_frame_ * static_cast<std::size_t>(rate_); }

  /// Fixed caps: audio/x-raw,format=..,rate=..,channels=..
  caps to_caps() const;

  friend bool operator==(const audio_info&, const audio_info&) = default;

 private:
  audio_info() = default;

  audio_format format_ = audio_format::s16le;
  std::int32_t rate_ = 0;
  std::int32_t channels_ = 0;
  std::size_t bytes_per_frame_ = 0;
};

}  // namespace tessera::core

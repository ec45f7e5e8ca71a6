#pragma once
/// Sample conversions shared by the audio elements, one rule everywhere:
///  - S16 -> F32: s / 32768 (exact);
///  - F32 -> S16: x * 32768 rounded half away from zero, saturated to
///    [-32768, 32767], so S16 -> F32 -> S16 gives every sample back unchanged;
///  - gains and mixes are computed in float (F32) or double (S16) and then
///    converted by the same rounding and saturation.
/// Written as branch-free lanes the compiler vectorizes. Plain functions: any thread.

#include <algorithm>
#include <cstdint>

namespace tessera::core::audio_samples {

inline constexpr float s16_scale = 32768.0f;

/// round-half-away-from-zero then saturate, for an S16 value held in a float.
inline std::int16_t saturate_s16(float v) noexcept {
  v = std::clamp(v, -32768.0f, 32767.0f);
  return static_cast<std::int16_t>(v + (v < 0 ? -0.5f : 0.5f));
}

/// The same for a value held in a double (S16 gain: exact products).
inline std::int16_t saturate_s16(double v) noexcept {
  v = std::clamp(v, -32768.0, 32767.0);
  return static_cast<std::int16_t>(v + (v < 0 ? -0.5 : 0.5));
}

inline float f32_from_s16(std::int16_t s) noexcept { return static_cast<float>(s) * (1.0f / s16_scale); }
inline std::int16_t s16_from_f32(float x) noexcept { return saturate_s16(x * s16_scale); }

}  // namespace tessera::core::audio_samples

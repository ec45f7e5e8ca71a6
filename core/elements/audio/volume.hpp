#pragma once
/// volume: scales raw audio samples in place (GStreamer's volume).
///
/// `volume` (0..10, 1 = unchanged) and `mute` may change while PLAYING and apply from
/// the next buffer. An in-place transform (the transform design's SCI case): a
/// writable input is scaled where it lies, a shared one gets a buffer by pad-alloc
/// from downstream (base_transform copies it there first). At unity gain without
/// mute the samples are left untouched (no write, no copy of a shared buffer's data
/// is needed by the gain itself). S16 samples are scaled in double precision, rounded
/// half away from zero and saturated to [-32768, 32767]; F32 samples are multiplied
/// in float and not clipped.
///
/// Thread safety: runs in the streaming task; the properties are atomics read per
/// buffer.

#include "core/base/base_transform.hpp"
#include "core/caps/audio_info.hpp"

#include <optional>

namespace tessera::core {

class volume final : public base_transform {
 public:
  volume(const element_factory& f, std::string name);
  static std::unique_ptr<element_factory> factory();

  /// Scales `count` samples by `gain` (S16: rounded, saturated).
  static void scale_s16(std::int16_t* samples, std::size_t count, double gain) noexcept;
  static void scale_f32(float* samples, std::size_t count, float gain) noexcept;

 protected:
  bool has_transform_ip() const override { return true; }
  flow transform_ip(buffer& b) override;
  result<void> set_caps(const caps& in, const caps& out) override;
  std::optional<std::size_t> get_unit_size(const caps& c) override;

 private:
  std::size_t prop_volume_, prop_mute_;
  std::optional<audio_info> info_;
};

}  // namespace tessera::core

#pragma once
/// audioconvert: converts raw audio between S16LE and F32LE and between mono and
/// stereo (GStreamer's audioconvert, reduced to tessera's formats).
///
/// A copy-transform whose sizes are a whole number of frames on both sides: it
/// implements only get_unit_size (bytes per frame of the caps), and base_transform
/// turns that into output sizes through its per-caps cache (the transform design's
/// unit-size case). Mono -> stereo duplicates each sample; stereo -> mono averages
/// the two; sample values follow audio_samples.hpp (S16 -> F32 divides by 32768,
/// F32 -> S16 rounds half away from zero and saturates). Same caps on both sides:
/// passthrough, nothing copied. The rate is never changed (no resampling); other
/// channel counts pass only unchanged.
///
/// Negotiation: each side offers both formats and, for 1 or 2 channels, both
/// counts, the input's own first; fixation keeps the input's format and channel
/// count when downstream allows them.
///
/// Thread safety: runs in the streaming task; configured by set_caps there.

#include "core/base/base_transform.hpp"
#include "core/caps/audio_info.hpp"

#include <optional>

namespace tessera::core {

class audioconvert final : public base_transform {
 public:
  audioconvert(const element_factory& f, std::string name);
  static std::unique_ptr<element_factory> factory();

  /// The caps both pads take: S16LE/F32LE, any rate and channel count.
  static caps template_caps();

 protected:
  caps transform_caps(pad_direction dir, const caps& c) override;
  result<caps> fixate_caps(pad_direction dir, const caps& c, const caps& othercaps) override;
  result<void> set_caps(const caps& in, const caps& out) override;
  std::optional<std::size_t> get_unit_size(const caps& c) override;
  bool has_transform() const override { return true; }
  flow transform(const buffer& in, buffer& out) override;

 private:
  std::optional<audio_info> in_info_;
  std::optional<audio_info> out_info_;
};

}  // namespace tessera::core

#include "core/elements/audio/audioconvert.hpp"
#include "core/elements/audio/audiotestsrc.hpp"
#include "core/elements/audio/volume.hpp"
#include "core/elements/builtin_elements.hpp"

namespace tessera::core {

void register_audio_elements(element_registry& r) {
  r.add(audiotestsrc::factory());
  r.add(audioconvert::factory());
  r.add(volume::factory());
}

}  // namespace tessera::core

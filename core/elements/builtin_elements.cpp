// The catalogue of built-in elements (`tessera inspect` lists these). Each group
// registers its own factories in its folder's registration file.
#include "core/elements/builtin_elements.hpp"

namespace tessera::core {

void register_builtin_elements(element_registry& r) {
  register_basic_elements(r);
  register_routing_elements(r);
  register_video_elements(r);
  register_file_elements(r);
  register_web_elements(r);
  register_codec_elements(r);
  register_audio_elements(r);
  register_rawparse_elements(r);
  register_shm_elements(r);
  register_av_elements(r);
  register_av_encode_elements(r);
}

}  // namespace tessera::core

#include "core/elements/builtin_elements.hpp"
#include "core/elements/codec/jpegdec.hpp"
#include "core/elements/codec/jpegenc.hpp"

namespace tessera::core {

void register_codec_elements(element_registry& r) {
  r.add(jpegenc::factory());
  r.add(jpegdec::factory());
}

}  // namespace tessera::core

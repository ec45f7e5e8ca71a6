#include "core/elements/av/avenc.hpp"
#include "core/elements/av/avmux.hpp"
#include "core/elements/builtin_elements.hpp"

namespace tessera::core {

void register_av_encode_elements(element_registry& r) {
  r.add(avenc::factory());
  r.add(avmux::factory());
}

}  // namespace tessera::core

#include "core/elements/av/avsrc.hpp"
#include "core/elements/builtin_elements.hpp"

namespace tessera::core {

void register_av_elements(element_registry& r) { r.add(avsrc::factory()); }

}  // namespace tessera::core

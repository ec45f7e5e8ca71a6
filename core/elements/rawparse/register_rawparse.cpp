#include "core/elements/builtin_elements.hpp"
#include "core/elements/rawparse/rawvideoparse.hpp"

namespace tessera::core {

void register_rawparse_elements(element_registry& r) { r.add(rawvideoparse::factory()); }

}  // namespace tessera::core

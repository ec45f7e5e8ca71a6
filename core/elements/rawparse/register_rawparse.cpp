#include "core/elements/builtin_elements.hpp"
#include "core/elements/parse/rawvideoparse.hpp"

namespace tessera::core {

void register_parse_elements(element_registry& r) { r.add(rawvideoparse::factory()); }

}  // namespace tessera::core

#include "core/elements/builtin_elements.hpp"
#include "core/elements/web/websink.hpp"

namespace tessera::core {

void register_web_elements(element_registry& r) { r.add(websink::factory()); }

}  // namespace tessera::core

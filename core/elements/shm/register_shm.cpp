#include "core/elements/builtin_elements.hpp"
#include "core/elements/shm/shmsink.hpp"
#include "core/elements/shm/shmsrc.hpp"

namespace tessera::core {

void register_shm_elements(element_registry& r) {
  r.add(shmsink::factory());
  r.add(shmsrc::factory());
}

}  // namespace tessera::core

#include "core/elements/builtin_elements.hpp"
#include "core/elements/routing/appsink.hpp"
#include "core/elements/routing/queue.hpp"
#include "core/elements/routing/tee.hpp"

namespace tessera::core {

void register_routing_elements(element_registry& r) {
  r.add(queue::factory());
  r.add(tee::factory());
  r.add(appsink::factory());
}

}  // namespace tessera::core

#include "core/elements/builtin_elements.hpp"
#include "core/elements/flow/appsink.hpp"
#include "core/elements/flow/queue.hpp"
#include "core/elements/flow/tee.hpp"

namespace tessera::core {

void register_flow_elements(element_registry& r) {
  r.add(queue::factory());
  r.add(tee::factory());
  r.add(appsink::factory());
}

}  // namespace tessera::core

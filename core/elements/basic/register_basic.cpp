#include "core/elements/basic/capsfilter.hpp"
#include "core/elements/basic/fakesink.hpp"
#include "core/elements/basic/fakesrc.hpp"
#include "core/elements/basic/identity.hpp"
#include "core/elements/builtin_elements.hpp"

namespace tessera::core {

void register_basic_elements(element_registry& r) {
  r.add(fakesrc::factory());
  r.add(fakesink::factory());
  r.add(identity::factory());
  r.add(capsfilter::factory());
}

}  // namespace tessera::core

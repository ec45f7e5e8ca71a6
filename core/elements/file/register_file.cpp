#include "core/elements/builtin_elements.hpp"
#include "core/elements/file/filesink.hpp"
#include "core/elements/file/filesrc.hpp"

namespace tessera::core {

void register_file_elements(element_registry& r) {
  r.add(filesrc::factory());
  r.add(filesink::factory());
}

}  // namespace tessera::core

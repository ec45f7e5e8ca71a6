#include "core/parse/pipeline_desc.hpp"

namespace tessera::core {

std::string to_string(const source_position& position) {
  return std::to_string(position.line) + ":" + std::to_string(position.column);
}

std::string_view element_desc::name() const {
  for (auto it = properties.rbegin(); it != properties.rend(); ++it) {
    if (it->name == "name") return it->value;
  }
  return {};
}

std::string_view element_desc::effective_name() const {
  std::string_view given = name();
  return given.empty() ? std::string_view(default_name) : given;
}

}  // namespace tessera::core

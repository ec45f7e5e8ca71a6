#include "core/graph/element_factory.hpp"

namespace tessera::core {

void element_registry::add(std::unique_ptr<element_factory> f) {
  f->registry = this;
  auto name = f->name;
  factories_[std::move(name)] = std::move(f);
}

const element_factory* element_registry::find(std::string_view name) const noexcept {
  auto it = factories_.find(name);
  return it == factories_.end() ? nullptr : it->second.get();
}

std::vector<const element_factory*> element_registry::list() const {
  std::vector<const element_factory*> out;
  out.reserve(factories_.size());
  for (auto& [n, f] : factories_) out.push_back(f.get());
  return out;
}

result<std::unique_ptr<element>> element_registry::make(std::string_view factory, std::string name) {
  const element_factory* f = find(factory);
  if (!f) return fail(errc::not_found, "no element \"" + std::string(factory) + "\"");
  return f->create(*f, std::move(name));
}

}  // namespace tessera::core

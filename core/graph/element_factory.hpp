#pragma once
/// Element factories and the registry (GstElementFactory, GstRegistry): the catalogue
/// `tessera inspect` lists. A factory carries the class metadata, pad templates and
/// property specs shared by all its elements, and makes new ones.
///
/// A registry belongs to a runtime (runtime.hpp), whose owner fills it once, at
/// start, with the elements it offers (serve, launch and inspect call
/// `register_builtin_elements`, core/elements/builtin_elements.hpp: static libraries
/// drop self-registering globals, so the list is explicit), as GStreamer's core never
/// names its plugins. Read-only afterwards: safe to read from any thread. The elements
/// a registry makes stream on its runtime.

#include "core/graph/element.hpp"
#include "core/graph/pad.hpp"
#include "core/graph/property.hpp"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::core {

class element_registry;
class runtime;

class element_factory {
 public:
  using create_fn = std::function<std::unique_ptr<element>(const element_factory&, std::string name)>;

  std::string name;         ///< "invert"
  std::string long_name;    ///< "Invert video"
  std::string klass;        ///< "Filter/Effect/Video"
  std::string description;
  std::vector<pad_template> pad_templates;
  std::vector<property_spec> properties;  ///< index = property_store slot
  create_fn create;
  /// The registry whose runtime its elements stream on: set by element_registry::add
  /// (a factory kept outside any registry, a test's, points it at one).
  const element_registry* registry = nullptr;

  const property_spec* find_property(std::string_view n) const noexcept;
  const pad_template* find_template(std::string_view name_template) const noexcept;
};

class element_registry {
 public:
  /// An empty registry whose elements stream on `rt`.
  explicit element_registry(core::runtime& rt) noexcept : runtime_(&rt) {}
  element_registry(const element_registry&) = delete;
  element_registry& operator=(const element_registry&) = delete;

  void add(std::unique_ptr<element_factory> f);
  const element_factory* find(std::string_view name) const noexcept;
  std::vector<const element_factory*> list() const;  ///< sorted by name

  /// Makes an element; `name` empty means factory name + per-registry index ("invert0").
  result<std::unique_ptr<element>> make(std::string_view factory, std::string name = {});

  core::runtime& runtime() const noexcept { return *runtime_; }

 private:
  core::runtime* runtime_;
  std::map<std::string, std::unique_ptr<element_factory>, std::less<>> factories_;
};

/// A factory for element type E, with the properties every element has ("name")
/// prepended.
template <class E>
std::unique_ptr<element_factory> make_factory(std::string name, std::string long_name, std::string klass,
                                              std::string description, std::vector<pad_template> pads,
                                              std::vector<property_spec> props) {
  auto f = std::make_unique<element_factory>();
  f->name = std::move(name);
  f->long_name = std::move(long_name);
  f->klass = std::move(klass);
  f->description = std::move(description);
  f->pad_templates = std::move(pads);
  f->properties.push_back(string_property("name", "The name of the element", "", mutability::construct_only));
  for (auto& p : props) f->properties.push_back(std::move(p));
  f->create = [](const element_factory& fac, std::string n) -> std::unique_ptr<element> {
    return std::make_unique<E>(fac, std::move(n));
  };
  return f;
}

}  // namespace tessera::core

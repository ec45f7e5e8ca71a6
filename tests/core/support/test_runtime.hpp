#pragma once
/// The runtime the tests' pipelines stream on (core/graph/runtime.hpp): one per test
/// program, made on first use with the default tile cache (in the temporary
/// directory) and the built-in elements registered. A test that needs a cache of its
/// own (a budget, a swap dir, a slow disk) makes its own runtime instead and drops it
/// at the end; nothing is swapped back.

#include "core/elements/builtin_elements.hpp"
#include "core/graph/element_factory.hpp"
#include "core/graph/runtime.hpp"

#include <memory>
#include <stdexcept>

namespace tessera::core {

/// A runtime made with `config` and the built-in elements registered; throws (a test
/// failure) when it cannot be made.
inline std::unique_ptr<runtime> make_test_runtime(const runtime_config& config = {}) {
  auto r = runtime::create(config);
  if (!r) throw std::runtime_error("test runtime: " + r.error().message);
  register_builtin_elements((*r)->registry());
  return std::move(*r);
}

inline runtime& test_runtime() {
  static const std::unique_ptr<runtime> rt = make_test_runtime();
  return *rt;
}

/// Adds a test element's factory to a registry of the test runtime, so that its
/// elements stream on it; returns the factory, which lives as long as the program.
inline const element_factory& register_test_factory(std::unique_ptr<element_factory> f) {
  static element_registry registry(test_runtime());
  const element_factory& added = *f;
  registry.add(std::move(f));
  return added;
}

}  // namespace tessera::core

#pragma once
// Helpers shared by the memory handle tests (memory_test.cpp, memory_map_test.cpp).
#include "core/memory/memory.hpp"
#include "core/memory/system_allocator.hpp"
#include "tests/core/memory/leak_check.hpp"

#include <cstddef>
#include <string>

namespace tessera::core::test {

class Memory : public leak_checked {};

inline memory alloc(std::size_t size, alloc_params p = {}) {
  return system_allocator().allocate(size, p).value();
}

/// Fills the visible bytes with first, first+1, ...
inline void fill(memory& m, unsigned first = 0) {
  auto map = m.map(map_access::write).value();
  for (std::size_t i = 0; i < map.size(); ++i) map.data()[i] = std::byte(first + i);
}

inline bool holds(const memory& m, unsigned first) {
  for (std::size_t i = 0; i < m.size(); ++i)
    if (m.data()[i] != std::byte(first + i)) return false;
  return true;
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace tessera::core::test

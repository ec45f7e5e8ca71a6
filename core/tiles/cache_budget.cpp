#include "core/tiles/cache_budget.hpp"

#include "core/support/memory_limit.hpp"

#include <algorithm>

namespace tessera::core {

std::uint64_t cache_budget_for(std::uint64_t limit_bytes) {
  return std::max(min_cache_bytes, limit_bytes / cache_budget_divisor);
}

std::uint64_t memory_budget_for(std::uint64_t limit_bytes) {
  // Divide first: limit * 3 overflows for the largest limits.
  return std::max(min_cache_bytes, limit_bytes / memory_budget_denominator * memory_budget_numerator);
}

std::uint64_t default_cache_bytes() { return cache_budget_for(process_memory_limit().bytes); }

}  // namespace tessera::core
